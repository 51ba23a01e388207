"""Results reproduce and survive interruption: the separation experiment run twice gives
bitwise-identical metrics.json / metrics.csv, and a run that fails while writing leaves the
previous run's files whole (never new tables beside old figures)."""

from __future__ import annotations

import dataclasses

import pytest

from alignscope import engine
from alignscope.experiments import separation
from alignscope.kernels import analysis
from tests.experiments.tiny_models import save_tiny_models

SPEC = engine.ExtractionSpec(max_length=24, batch_size=16)
OPTIONS = analysis.AnalysisOptions(metrics=("evr2", "between2", "fisher", "silhouette", "probe"), bootstrap=4,
                                   permutations=2, probe_folds=2)
RESULT_FILES = ("metrics.json", "metrics.csv", "run.json", "report.md", "report.html", "figures/pca_grid.png",
                "figures/layer_curves.png", "figures/change_by_language.png")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    paths = save_tiny_models(tmp_path_factory.mktemp("models"), names=("base", "aligned"))
    corpus = engine.load_corpus("demo", split="test", langs=["en", "zh"], per_class=6)
    return paths, engine.load_tokenizer(paths["base"]), corpus


def _run(inputs, output_dir, options=OPTIONS):
    paths, tokenizer, corpus = inputs
    models = {name: engine.load_model(path) for name, path in paths.items()}  # fresh: no cached weights
    return separation.run(models, tokenizer, corpus, output_dir, spec=SPEC, options=options)


def _snapshot(directory) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in RESULT_FILES}


def test_same_run_twice_gives_identical_tables(inputs, tmp_path):
    _run(inputs, tmp_path / "first")
    _run(inputs, tmp_path / "second")
    for name in ("metrics.json", "metrics.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name


def test_a_run_failing_while_writing_keeps_the_previous_results(inputs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _run(inputs, out)
    before = _snapshot(out)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    # The second run's results differ (other bootstrap draws); it fails after its tables and
    # figures are written, while writing run.json.
    monkeypatch.setattr(separation, "write_run_info", fail)
    with pytest.raises(OSError, match="disk full"):
        _run(inputs, out, options=dataclasses.replace(OPTIONS, seed=1))
    assert _snapshot(out) == before
    assert sorted(path.name for path in out.iterdir()) == sorted({name.split("/")[0] for name in RESULT_FILES})
    monkeypatch.undo()
    _run(inputs, out, options=dataclasses.replace(OPTIONS, seed=1))
    after = _snapshot(out)
    assert after["metrics.json"] != before["metrics.json"] and after["figures/layer_curves.png"] != \
        before["figures/layer_curves.png"]
