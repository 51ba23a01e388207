"""The bad-input matrix: every input a user can get wrong, at the command line and in the Python API,
gets one line naming the problem and what is accepted, exit status 2 at the command line (absl's
own flag errors included), no traceback, and loses nothing already computed.

The command-line cases run as subprocesses started all at once (module fixture), since each is a
fresh interpreter whose exit status and stderr are what is tested; everything else is checked in
process on one tiny checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.experiments.bpe_tokenizer import train_bpe_tokenizer
from alignscope.kernels import analysis

REPO = pathlib.Path(__file__).resolve().parents[2]
LINES = ["How do I bake bread at home?", "Wie backe ich Brot zu Hause?", "我怎样在家烤面包？",
         "Tell me how to pick a lock.", "The quick brown fox jumps."] * 8
TEXTS = ["How do I bake bread?", "Tell me a story.", "Wie spät ist es?", "我怎样在家烤面包？"]
OPTIONS = analysis.AnalysisOptions(bootstrap=2, permutations=0, probe_folds=2)


def tiny_config(vocab_size: int, layers: int = 2) -> dict:
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab_size,
            "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": layers, "num_attention_heads": 2,
            "num_key_value_heads": 1, "max_position_embeddings": 64}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> pathlib.Path:
    """A tiny random Llama saved with a BPE tokenizer that has a chat template."""
    root = tmp_path_factory.mktemp("bad-inputs")
    tokenizer = train_bpe_tokenizer(LINES, 300, root / "tokenizer", chat_template="{{ messages[0]['content'] }}")
    return engine.save_model(engine.init_model(tiny_config(len(tokenizer))), root / "model", tokenizer)


def _copy(checkpoint: pathlib.Path, tmp_path: pathlib.Path, name: str = "copy") -> pathlib.Path:
    return pathlib.Path(shutil.copytree(checkpoint, tmp_path / name))


def _edit_config(directory: pathlib.Path, **changes) -> None:
    config = json.loads((directory / "config.json").read_text())
    config.update(changes)
    (directory / "config.json").write_text(json.dumps(config))


def _message(function, *fragments: str) -> str:
    """Runs `function`, which must raise `AlignscopeError` with one line holding every fragment."""
    with pytest.raises(AlignscopeError) as caught:
        function()
    message = str(caught.value)
    assert "\n" not in message and message.strip() == message, repr(message)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# ---------------------------------------------------------------------------------------------
# Command line: exit status 2, one `error:` line, no traceback.

CLI_CASES = ("unknown flag", "flag of the wrong type", "enum flag value", "nonexistent model path",
             "directory without config.json", "hub unreachable, model not cached", "malformed mesh",
             "mesh larger than the devices", "conflicting flags", "dataset path missing", "unknown language",
             "output directory not writable", "unknown benchmark suite", "refusal direction block out of range",
             "a flag the experiment does not use")


def _cli_cases(root: pathlib.Path) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """case -> (argv after `python -m`, fragments of the one error line), for a `root` that
    `_run_cli_cases` prepares."""
    unwritable = f"--output_dir={root / 'a-file' / 'out'}"
    out = f"--output_dir={root / 'out'}"
    tune = ["experiments.tune", "--steps=1", "--batch_size=2"]
    return {
        "unknown flag": (["experiments.models", "--nope"], ("Unknown command line flag 'nope'",)),
        "flag of the wrong type": ([*tune, "--steps=many", out], ("--steps=many", "invalid literal")),
        "enum flag value": ([*tune, "--method=ppo", out], ("--method=ppo", "pretrain", "sft", "dpo")),
        "nonexistent model path": ([*tune, "--model=/no/such/model", out], ("'/no/such/model' does not exist",
                                                                          "local directory or a hub id")),
        "directory without config.json": ([*tune, f"--model={root / 'no-config'}", out],
                                          ("has no config.json", "model.safetensors")),
        "hub unreachable, model not cached": ([*tune, "--model=someorg/not-cached", out],
                                              ("could not get someorg/not-cached", "not in the local cache",
                                               "--local-dir DIR) and pass that directory")),
        "malformed mesh": ([*tune, "--mesh=data:x", out], ("mesh spec 'data:x' is malformed", "data:4,model:2")),
        "mesh larger than the devices": ([*tune, "--mesh=data:3", out], ("mesh 'data:3'", "devices")),
        "conflicting flags": ([*tune, "--method=sft", "--reference=/x", out],
                              ("--reference is used by --method=dpo only",)),
        "dataset path missing": ([*tune, "--data=/no/such/table.csv", out],
                                 ("--data='/no/such/table.csv' is neither `demo` nor a table file",)),
        "unknown language": ([*tune, "--langs=xx", out], ("unknown language 'xx'", "languages present: en")),
        "output directory not writable": ([*tune, unwritable], ("cannot write results to", "--output_dir")),
        "unknown benchmark suite": (["experiments.benchmark", "--suite=nope", out],
                                    ("unknown suite(s) ['nope']", "padding, extraction, kernels, analysis")),
        "refusal direction block out of range": (["experiments.refusal", "--direction_layer=9", "--dry_run", out],
                                                 ("--direction_layer=9: the model has blocks 0..5",)),
        "a flag the experiment does not use": (["experiments.refusal", "--layers=1,2", "--dry_run", out],
                                               ("Unknown command line flag 'layers'",)),
    }


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory, worker_id) -> dict[str, tuple[subprocess.CompletedProcess, tuple[str, ...]]]:
    """Every command-line case, run at once as subprocesses; case -> (finished run, fragments).

    Under xdist the cases run once per test run, by the first worker that asks (a lock in the
    workers' shared temp folder); the others read its results."""
    if worker_id == "master":
        return _run_cli_cases(tmp_path_factory.mktemp("cli"))
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp().parent / "bad-inputs-cli"
    with FileLock(str(root) + ".lock"):
        results = root / "results.json"
        if not results.is_file():
            root.mkdir()
            finished = _run_cli_cases(root)
            results.write_text(json.dumps({case: [run.args, run.returncode, run.stdout, run.stderr]
                                           for case, (run, _) in finished.items()}))
    recorded = json.loads(results.read_text())
    return {case: (subprocess.CompletedProcess(*recorded[case]), fragments)
            for case, (_, fragments) in _cli_cases(root).items()}


def _run_cli_cases(root: pathlib.Path) -> dict[str, tuple[subprocess.CompletedProcess, tuple[str, ...]]]:
    (root / "no-config").mkdir()
    (root / "a-file").write_text("not a directory")
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "JAX_PLATFORMS": "cpu"}
    started = {case: (subprocess.Popen([sys.executable, "-m", *argv], cwd=root, env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE), fragments)
               for case, (argv, fragments) in _cli_cases(root).items()}
    assert set(started) == set(CLI_CASES)
    finished = {}
    for case, (process, fragments) in started.items():
        stdout, stderr = process.communicate(timeout=600)
        finished[case] = (subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), fragments)
    return finished


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_error_is_one_line_exit_2(cli_runs, case):
    run, fragments = cli_runs[case]
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and run.stderr.rstrip().endswith(errors[0]), run.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


def test_unwritable_output_is_refused_before_any_work(cli_runs):
    run, _ = cli_runs["output directory not writable"]
    assert "updates" not in run.stdout and "loss" not in run.stdout  # no training ran


# ---------------------------------------------------------------------------------------------
# Python API: AlignscopeError with one line.

def test_unsupported_architecture_lists_the_supported(checkpoint, tmp_path):
    directory = _copy(checkpoint, tmp_path)
    _edit_config(directory, architectures=["MambaForCausalLM"], model_type="mamba")
    message = _message(lambda: engine.load_model(directory), "'MambaForCausalLM' is not supported; supported:")
    assert all(name in message for name in engine.supported_architectures())


def _rewrite_tensors(directory: pathlib.Path, edit) -> None:
    from alignscope.checkpoints import safetensors as ckpt

    reader = ckpt.SafetensorsReader([directory / "model.safetensors"])
    tensors = {name: np.array(reader.get(name)) for name in reader.entries}
    del reader
    tensors = edit(tensors)
    ckpt.write_safetensors(directory / "model.safetensors", [
        ckpt.TensorToWrite(name, value.dtype, value.shape, lambda value=value: value) for name, value in tensors.items()])


def test_safetensors_missing_a_tensor_names_it(checkpoint, tmp_path):
    directory = _copy(checkpoint, tmp_path)
    _rewrite_tensors(directory, lambda t: {k: v for k, v in t.items() if k != "model.layers.1.mlp.up_proj.weight"})
    _message(lambda: engine.load_model(directory), "no tensor model.layers.1.mlp.up_proj.weight",
             "LlamaForCausalLM")


def test_safetensors_wrong_shape_names_the_tensor(checkpoint, tmp_path):
    directory = _copy(checkpoint, tmp_path)
    _rewrite_tensors(directory, lambda t: {**t, "model.layers.0.self_attn.q_proj.weight": np.zeros((16, 8), np.float32)})
    _message(lambda: engine.load_model(directory), "tensor model.layers.0.self_attn.q_proj.weight has shape [16, 8]",
             "config.json implies [16, 16]")


@pytest.mark.parametrize("damage, fragment", [
    (lambda data: data[: len(data) // 2], "does not lie whole inside"),
    (lambda data: data[:5], "too few for the header"),
    (lambda data: data[:8] + b"{" + b"\x00" * (len(data) - 9), "header is not JSON"),
], ids=["truncated", "cut inside the header length", "corrupt header"])
def test_damaged_safetensors(checkpoint, tmp_path, damage, fragment):
    directory = _copy(checkpoint, tmp_path)
    weights = directory / "model.safetensors"
    weights.write_bytes(damage(weights.read_bytes()))
    _message(lambda: engine.load_model(directory), str(weights), fragment, "truncated or corrupt",
             "download or save the checkpoint again")


def test_tokenizer_missing(checkpoint, tmp_path):
    directory = tmp_path / "weights-only"
    directory.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(checkpoint / name, directory / name)
    engine.load_model(directory)  # the weights alone are fine
    _message(lambda: engine.load_tokenizer(directory), "has no usable tokenizer", "tokenizer.json")


def test_unknown_dtype(checkpoint):
    _message(lambda: engine.load_model(checkpoint, dtype="float8"), "dtype 'float8' is not supported",
             "float32, bfloat16, float16, auto")


def test_chat_template_of_a_tokenizer_without_one(checkpoint, tmp_path):
    plain = train_bpe_tokenizer(LINES, 300, tmp_path / "plain")
    model = engine.load_model(checkpoint)
    _message(lambda: engine.extract(model, plain, TEXTS, chat_template=True, max_length=16),
             "chat_template was asked for", "has none; run without it")


def test_layers_out_of_range(checkpoint):
    model = engine.load_model(checkpoint)
    tokenizer = engine.load_tokenizer(checkpoint)
    _message(lambda: engine.extract(model, tokenizer, TEXTS, layers=[3], max_length=16),
             "layer 3 does not exist", "hidden states 0..2")


def test_hub_id_not_cached_says_how_to_use_a_local_copy():
    _message(lambda: engine.load_tokenizer("someorg/not-cached"), "not in the local cache",
             "hf download someorg/not-cached --local-dir DIR")


def test_unknown_language_lists_those_present():
    _message(lambda: engine.load_corpus("demo", langs=["xx"]), "unknown language 'xx'",
             "languages present: en, zh, hi, de")


def test_missing_column(tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("text,lang\nhello,en\nworld,en\n")
    _message(lambda: engine.load_corpus(table), "no column 'label'", "columns: text, lang", "label_column=")


def test_conflicting_column_choices(tmp_path):
    table = tmp_path / "table.csv"
    table.write_text("text,label,lang\nhello,0,en\nworld,1,en\n")
    _message(lambda: engine.load_corpus(table, lang_column="lang", language="en"),
             "give lang_column or language, not both")


def test_per_class_larger_than_available_says_how_many():
    _message(lambda: engine.load_corpus("demo", langs=["en"], per_class=10**6), "per_class=1000000",
             "has only 340")


def test_empty_corpus_after_dropping_empty_texts(tmp_path):
    table = tmp_path / "table.csv"
    table.write_text('text,label,lang\n" ",0,en\n"\u200b",1,en\n')
    _message(lambda: engine.load_corpus(table), "no rows with text", "2 empty texts dropped")


def test_one_class_only_where_two_are_needed():
    X = np.random.default_rng(0).normal(size=(1, 2, 12, 5))
    labels = np.array([0, 1] * 3 + [1] * 6)
    _message(lambda: analysis.analyze(X, labels, ["en"] * 6 + ["de"] * 6, options=OPTIONS),
             "language 'de' has 0 row(s) of one class", "each class needs at least 2")


def test_non_finite_activations_name_model_layer_and_example():
    X = np.random.default_rng(0).normal(size=(2, 3, 12, 5))
    X[1, 2, 7, 3] = np.inf
    X[1, 2, 9, 0] = np.nan
    _message(lambda: analysis.analyze(X, np.array([0, 1] * 6), ["en"] * 12, options=OPTIONS),
             "NaN or inf (2 value(s), the first at model 1, layer 2, example 7)", "only finite values")


def test_mesh_specs():
    _message(lambda: engine.make_mesh("tensor:2"), "mesh axis 'tensor' is unknown", "data, model")
    _message(lambda: engine.make_mesh("data:0"), "data:0 is invalid", "positive, or -1")


# ---------------------------------------------------------------------------------------------
# Nothing computed is lost.

def test_a_later_failure_keeps_stored_activations(checkpoint, tmp_path, caplog):
    """A completed store entry survives a failing run on the same store, and a damaged one is
    rebuilt with a one-line warning, never misread."""
    model = engine.load_model(checkpoint)
    tokenizer = engine.load_tokenizer(checkpoint)
    store = tmp_path / "store"
    first = engine.run_extraction(model, tokenizer, TEXTS, store=store, max_length=16, batch_size=4)
    values = np.array(first.activations)
    with pytest.raises(AlignscopeError):  # a bad request against the same store
        engine.run_extraction(model, tokenizer, TEXTS, store=store, max_length=16, layers=[9])
    with pytest.raises(AlignscopeError):  # analysis of the stored values fails on one class
        analysis.analyze(np.moveaxis(values, 1, 0)[None], np.ones(len(TEXTS)), ["en"] * len(TEXTS), options=OPTIONS)
    again = engine.run_extraction(engine.load_model(checkpoint), tokenizer, TEXTS, store=store, max_length=16)
    assert again.stats.computed_texts == 0
    np.testing.assert_array_equal(np.asarray(again.activations), values)

    activations = pathlib.Path(first.store_dir) / "activations.npy"
    activations.write_bytes(activations.read_bytes()[:200])  # a damaged disk or partial copy
    with caplog.at_level(logging.WARNING, logger="alignscope.runtime.store"):
        rebuilt = engine.run_extraction(engine.load_model(checkpoint), tokenizer, TEXTS, store=store, max_length=16)
    warnings = [record.getMessage() for record in caplog.records if record.name == "alignscope.runtime.store"]
    assert len(warnings) == 1 and "is damaged" in warnings[0] and "\n" not in warnings[0]
    assert rebuilt.stats.computed_texts == len(TEXTS)
    np.testing.assert_allclose(np.asarray(rebuilt.activations), values, rtol=1e-6, atol=1e-6)


def test_models_of_different_depth_where_a_per_layer_change_is_asked(checkpoint, tmp_path):
    from alignscope.experiments import separation

    tokenizer = engine.load_tokenizer(checkpoint)
    models = {"base": engine.init_model(tiny_config(len(tokenizer), layers=2)),
              "aligned": engine.init_model(tiny_config(len(tokenizer), layers=3))}
    corpus = engine.load_corpus("demo", split="test", langs=["en"], per_class=4)
    _message(lambda: separation.run(models, tokenizer, corpus, tmp_path / "out"),
             "the models differ in depth or width (base: 2 layers x 16, aligned: 3 layers x 16)",
             "one architecture and size")
    assert not (tmp_path / "out").exists()
