"""The benchmark entrypoint: one-line errors with exit status 2, and the padding suite's table."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(*flags: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.benchmark", *flags], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize("flag, message", [
    ("--suite=nope", "error: unknown suite(s) ['nope']; available: padding, extraction, kernels, analysis, coverage"),
    ("--dtype=float16", "error: flag --dtype=float16: value should be one of <float32|bfloat16>"),
])
def test_bad_flags_exit_2_with_one_line(flag, message):
    run = _run(flag)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == message
    assert "Traceback" not in run.stderr


def test_missing_corpora_exit_2(tmp_path):
    run = _run("--suite=padding", f"--shared_data={tmp_path}", f"--output_dir={tmp_path}")
    assert run.returncode == 2 and "the benchmarks read the real TextDetox copies" in run.stderr


def test_padding_suite_on_the_real_corpora(shared_data, tmp_path):
    run = _run("--suite=padding", f"--shared_data={shared_data}", f"--output_dir={tmp_path}")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((tmp_path / "benchmark" / "padding.json").read_text())
    assert set(result["results"]) == {"en", "zh", "hi", "de"} and "jax" in result["versions"]
    for lang, row in result["results"].items():
        assert row["texts"] == 5000
        assert row["bucketed_compiled_shapes"] <= 12 and row["packed_compiled_shapes"] <= 12
        assert row["bucketed_padding_efficiency"] > row["input_order_32_padding_efficiency"]
        assert row["packed_padding_efficiency"] >= 0.95


def test_kernels_suite_writes_rows_with_ratios_and_versions(tmp_path):
    output = tmp_path / "kernels.json"
    run = _run("--suite=kernels", "--kernels_shape=2,40,96,20", f"--output={output}")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(output.read_text())
    assert {"jax", "numpy", "scikit-learn", "device"} <= set(result["versions"])
    rows = result["results"]["rows"]
    assert rows[-1]["row"].startswith("whole workload") and len(rows) == 10
    for row in rows:
        assert row["speedup"] == pytest.approx(row["peer_s"] / row["alignscope_s"])
        assert row["max_relative_difference"] < 1e-3, row
    assert "| whole workload" in run.stdout


def test_kernels_shape_must_be_four_integers():
    run = _run("--suite=kernels", "--kernels_shape=2,40")
    assert run.returncode == 2 and "--kernels_shape=2,40 is not accepted" in run.stderr.strip().splitlines()[-1]


def test_extraction_suite_times_a_real_checkpoint_with_its_own_tokenizer(shared_data, tiny_models, tmp_path):
    run = _run("--suite=extraction", f"--model={tiny_models['base']}", "--langs=en,zh", "--texts_per_lang=8",
               "--repeats=1", "--max_length=64", f"--shared_data={shared_data}", f"--output_dir={tmp_path}")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((tmp_path / "benchmark" / "extraction.json").read_text())
    rows = result["results"]
    assert rows["model"] == result["flags"]["model"] == str(tiny_models["base"]) and rows["texts"] == 16
    assert rows["parameters"] < 100_000  # the tiny checkpoint, not the random 50M Llama
    assert rows["max_abs_difference_pooled"] < 1e-4 and rows["speedup_alignscope_over_transformers"] > 0
    assert len(result["load_average_1_5_15_min"]["before"]) == 3


def test_extraction_suite_times_the_random_llama_by_default(shared_data, tmp_path):
    run = _run("--suite=extraction", "--langs=en", "--texts_per_lang=4", "--repeats=1", "--max_length=32",
               f"--shared_data={shared_data}", f"--output_dir={tmp_path}")
    assert run.returncode == 0, run.stderr[-2000:]
    rows = json.loads((tmp_path / "benchmark" / "extraction.json").read_text())["results"]
    assert rows["texts"] == 4 and rows["parameters"] > 40_000_000  # the random 50M Llama
    assert rows["max_difference_pooled_relative_to_largest"] < 1e-4
