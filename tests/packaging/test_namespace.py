"""One import namespace: the install adds `alignscope` and nothing else to site-packages, so it
cannot shadow Hugging Face's `kernels` (a transformers >= 5.25 dependency, imported beside torch),
and the public API answers under the `alignscope.` prefix.

Each check runs a fresh interpreter, so nothing pytest already imported can make it pass: from
the repository root (where `python -m experiments.NAME` runs, and where a stray top-level
`kernels/` folder would be first on `sys.path`) and from an unrelated directory.
"""

import importlib.metadata
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

BOTH_KERNELS = """
import sys
{first}
{second}
import kernels
import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM

hf = pathlib.Path(kernels.__file__).resolve()
assert "site-packages" in hf.parts, f"'kernels' resolved to {{hf}}, not Hugging Face's installed package"
assert all(hasattr(kernels, name) for name in ("CUDAProperties", "kernelize", "get_kernel")), dir(kernels)
torch.manual_seed(0)
config = LlamaConfig(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                     num_attention_heads=2, num_key_value_heads=1)
logits = LlamaForCausalLM(config).eval()(torch.tensor([[1, 2, 3]])).logits
assert logits.shape == (1, 3, 32) and bool(torch.isfinite(logits).all())
X = np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32)
value = float(cka.linear_cka(X, 2 * X @ np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))[0]))
assert abs(value - 1) < 1e-5, value  # CKA is invariant to rotation and scale
print("ok", hf)
"""


def _python(code: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import pathlib\n" + code], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("order", ["alignscope first", "transformers first"])
def test_hugging_face_kernels_and_alignscope_kernels_work_in_one_process(order):
    pytest.importorskip("torch", reason="transformers imports Hugging Face's kernels only beside torch")
    if importlib.util.find_spec("kernels") is None:
        pytest.skip("Hugging Face's kernels is not installed (transformers < 5.25 does not require it)")
    ours, theirs = "from alignscope.kernels import cka", "import transformers.activations"
    first, second = (ours, theirs) if order == "alignscope first" else (theirs, ours)
    run = _python(BOTH_KERNELS.format(first=first, second=second), cwd=REPO)
    assert run.returncode == 0 and run.stdout.startswith("ok"), run.stderr[-2000:]


def test_the_distribution_installs_one_top_level_name():
    distribution = importlib.metadata.distribution("alignscope")
    assert (distribution.read_text("top_level.txt") or "").split() == ["alignscope"]
    ours = {name for name, owners in importlib.metadata.packages_distributions().items() if "alignscope" in owners}
    assert ours == {"alignscope"}


def test_outside_the_repository_only_alignscope_imports(tmp_path):
    code = """
import importlib.util
for name in ("engine", "experiments", "tests"):
    assert importlib.util.find_spec(name) is None, f"{name} is importable from {importlib.util.find_spec(name).origin}"
spec = importlib.util.find_spec("kernels")
assert spec is None or "site-packages" in pathlib.Path(spec.origin).parts, spec.origin
from alignscope import engine, kernels
from alignscope.kernels import analysis, cka, pca, separation
for name in ("load_model", "load_tokenizer", "extract", "generate", "Intervention", "load_corpus", "make_mesh",
             "init_model", "save_model", "response_logprobs", "refusal_score", "tune", "supported_architectures"):
    assert hasattr(engine, name), name
assert callable(separation.between_class_variance_ratio) and callable(cka.cka_matrix) and callable(analysis.analyze)
print("ok")
"""
    run = _python(code, cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_the_console_script_runs_an_experiment_from_any_directory(tmp_path):
    script = shutil.which("alignscope", path=str(pathlib.Path(sys.executable).parent))
    assert script, "the alignscope console script is not installed beside this Python (pip install -e .)"
    run = subprocess.run([script, "models"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "LlamaForCausalLM" in run.stdout and "Gemma3ForCausalLM" in run.stdout, run.stderr
    unknown = subprocess.run([script, "nope"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert unknown.returncode == 2 and unknown.stderr.strip().startswith("error: unknown experiment 'nope'")
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_the_readme_module_command_runs_from_the_repository_root():
    run = subprocess.run([sys.executable, "-m", "experiments.models"], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0 and "GPT2LMHeadModel" in run.stdout, run.stderr


def test_the_wheel_holds_one_package_and_the_files_it_reads_at_run_time(tmp_path):
    """A non-editable install gets only what the wheel holds: its top-level names, every package
    (an untracked or ignored __init__ drops one) and the data files the code opens."""
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools in this environment "
                                             "(Python 3.12 venvs come without it)")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    import zipfile

    (wheel,) = tmp_path.glob("alignscope-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {"alignscope"}
    packages = {str(path.parent.relative_to(REPO)) for path in (REPO / "alignscope").rglob("*.py")}
    assert {package + "/__init__.py" for package in packages} <= names
    for model in ("base", "aligned-en", "aligned-multi"):
        assert {f"alignscope/data/demo/models/{model}/{file}" for file in (
            "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")} <= names
    for model in ("aligned-en", "aligned-multi"):
        assert {f"alignscope/data/gemma_lineage/{model}/{file}" for file in (
            "adapter_config.json", "adapter_model.safetensors", "chat_template.jinja", "GEMMA_TERMS.html", "NOTICE.md",
            "build.json")} <= names
    assert {"alignscope/data/refusal_phrases.json", "alignscope/data/demo/demo_corpus.jsonl",
            "alignscope/data/gemma_lineage/chat_template.jinja"} <= names
