"""experiments.separation end to end on tiny random checkpoints and the demo corpus: the files it
writes, a rerun from the activation store (no forward pass, no weights read, identical tables),
and the command line (dry run, one-line errors with exit status 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from alignscope import engine
from alignscope.experiments import separation
from alignscope.kernels import analysis

PER_CLASS = 12
OPTIONS = analysis.AnalysisOptions(bootstrap=6, permutations=3, probe_folds=3)
SPEC = engine.ExtractionSpec(max_length=32, batch_size=16)


def _cli(*flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.run([sys.executable, "-m", "experiments.separation", *flags], capture_output=True, text=True,
                          timeout=600, env=env)


def _run(tiny_models, output_dir, store):
    models = {name: engine.load_model(path) for name, path in tiny_models.items()}
    tokenizer = engine.load_tokenizer(tiny_models["base"])
    corpus = engine.load_corpus("demo", split="test", langs=["en", "zh"], per_class=PER_CLASS)
    result = separation.run(models, tokenizer, corpus, output_dir, spec=SPEC, options=OPTIONS, store=store,
                            settings={"test": "yes"})
    return models, result


def test_run_writes_results_and_a_rerun_reads_the_store(tiny_models, tmp_path):
    _, first = _run(tiny_models, tmp_path / "first", tmp_path / "store")
    out = tmp_path / "first"
    for name in ("metrics.json", "metrics.csv", "run.json", "report.md", "report.html",
                 *(f"figures/{stem}.{ext}" for stem in ("pca_grid", "layer_curves", "change_by_language")
                   for ext in ("png", "pdf"))):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert all(stats["computed_texts"] == 4 * PER_CLASS for stats in first.extraction.values())
    document = json.loads((out / "metrics.json").read_text())
    rows = document["rows"]
    layers = engine.load_model(tiny_models["base"]).config.num_layers + 1
    assert len(rows) == 3 * 2 * layers * len(analysis.DEFAULT_METRICS)
    assert document["langs"] == ["en", "zh"] and document["models"] == ["base", "aligned-a", "aligned-b"]
    row = next(r for r in rows if (r["model"], r["lang"], r["metric"]) == ("aligned-a", "zh", "between2")
               and r["layer"] == layers - 1)
    k = first.analysis.metrics.index("between2")
    assert row["gap"] == pytest.approx(first.analysis.gap[1, 1, layers - 1, k], rel=1e-9)
    text = (out / "metrics.json").read_text() + (out / "metrics.csv").read_text()
    assert str(tmp_path) not in text and "/" not in text.replace("n/a", "")  # no paths, no dates
    assert (out / "metrics.csv").read_text().count("\n") == len(rows) + 1
    run_info = json.loads((out / "run.json").read_text())
    assert {"settings", "versions", "device", "seconds", "models", "extraction"} <= set(run_info)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "src='figures" not in html

    models, second = _run(tiny_models, tmp_path / "second", tmp_path / "store")
    assert all(stats["computed_texts"] == 0 for stats in second.extraction.values())
    assert all("params" not in vars(model) for model in models.values())  # weights never read
    for name in ("metrics.json", "metrics.csv"):
        assert (tmp_path / "second" / name).read_bytes() == (out / name).read_bytes()
    np.testing.assert_array_equal(second.analysis.estimate, first.analysis.estimate)


def test_cli_dry_run_runs_nothing(tiny_models, tmp_path):
    run = _cli(f"--base={tiny_models['base']}", f"--aligned={tiny_models['aligned-a']},{tiny_models['aligned-b']}",
               "--lang=zh", "--per_class=10", f"--output_dir={tmp_path / 'out'}", f"--cache_dir={tmp_path / 'store'}",
               "--dry_run")
    assert run.returncode == 0, run.stderr
    assert "en: 10/10" in run.stdout and "zh: 10/10" in run.stdout and "layers: 3 hidden states" in run.stdout
    assert "aligned-b" in run.stdout and "MiB" in run.stdout
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


@pytest.mark.parametrize("flags, message", [
    (["--lang=xx"], "xx"),
    (["--per_class=0"], "error: flag --per_class=0: 0 is not a positive integer"),
    (["--nope"], "error: Unknown command line flag 'nope'"),
    (["--base=/does/not/exist"], "checkpoint '/does/not/exist' does not exist"),
    (["--quantized=Q3_K"], "quantization type 'Q3_K' is not accepted; use one of F16, BF16, Q8_0"),
])
def test_cli_errors_are_one_line_with_exit_2(flags, message, tiny_models):
    if flags[0].startswith(("--lang", "--quantized")):
        flags = [f"--base={tiny_models['base']}", f"--aligned={tiny_models['aligned-a']}", *flags, "--dry_run"]
    run = _cli(*flags)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len([line for line in lines if line.startswith("error:")]) == 1 and message in lines[-1]
    assert "Traceback" not in run.stderr


def test_cli_one_model_and_its_quantized_copy(tiny_models, tmp_path):
    """`--base` without `--aligned` is one model; `--quantized` adds its in-memory copies, which a
    rerun reads from the store without quantizing or running anything."""
    pytest.importorskip("gguf", reason='--quantized needs the gguf extra (pip install "alignscope[gguf]")')
    flags = [f"--base={tiny_models['base']}", "--quantized=Q4_0", "--lang=zh", "--per_class=10", "--bootstrap=4",
             "--permutations=2", "--max_length=32", f"--cache_dir={tmp_path / 'store'}"]
    first = _cli(*flags, f"--output_dir={tmp_path / 'first'}")
    assert first.returncode == 0, first.stderr
    document = json.loads((tmp_path / "first" / "metrics.json").read_text())
    assert document["models"] == ["base", "base.Q4_0"]
    rows = {(r["model"], r["lang"], r["layer"], r["metric"]): r for r in document["rows"]}
    assert rows["base", "zh", 2, "between2"]["estimate"] != rows["base.Q4_0", "zh", 2, "between2"]["estimate"]
    run_info = json.loads((tmp_path / "first" / "run.json").read_text())
    assert run_info["models"]["base.Q4_0"]["identity"].endswith("|quantized:Q4_0")
    second = _cli(*flags, f"--output_dir={tmp_path / 'second'}")
    assert second.returncode == 0, second.stderr
    extraction = json.loads((tmp_path / "second" / "run.json").read_text())["extraction"]
    assert {name: stats["computed_texts"] for name, stats in extraction.items()} == {"base": 0, "base.Q4_0": 0}


def test_one_model_alone_has_no_change_figure(tiny_models, tmp_path):
    model = engine.load_model(tiny_models["base"])
    corpus = engine.load_corpus("demo", split="test", langs=["zh"], per_class=6)
    separation.run({"base": model}, engine.load_tokenizer(tiny_models["base"]), corpus, tmp_path, spec=SPEC,
                   options=analysis.AnalysisOptions(bootstrap=4, permutations=2, probe_folds=3))
    assert (tmp_path / "figures" / "layer_curves.png").is_file()
    assert not (tmp_path / "figures" / "change_by_language.png").exists()
    assert json.loads((tmp_path / "metrics.json").read_text())["models"] == ["base"]
