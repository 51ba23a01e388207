"""experiments.detox, .similarity and .redteam end to end on tiny random checkpoints, with corpora in
the ParaDetox and Aya formats written by the tests (shapes as in test_separation, so compiled
kernels are shared)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alignscope import engine
from alignscope.data.demo import demo_table
from alignscope.experiments import detox, redteam, similarity
from alignscope.kernels import analysis

OPTIONS = analysis.AnalysisOptions(bootstrap=6, permutations=3, probe_folds=3)
SPEC = engine.ExtractionSpec(max_length=32, batch_size=16)
PAIRS = 12


def _models(tiny_models):
    return ({name: engine.load_model(path) for name, path in tiny_models.items()},
            engine.load_tokenizer(tiny_models["base"]))


def _demo_texts(lang, label, n):
    table = demo_table("test")
    return list(table[(table["lang"] == lang) & (table["label"] == label)]["text"][:n])


def test_detox_pairs(tiny_models, tmp_path):
    root = tmp_path / "paradetox"
    root.mkdir()
    for lang in ("en", "zh"):
        pd.DataFrame({"toxic_sentence": _demo_texts(lang, 1, PAIRS),
                      "neutral_sentence": _demo_texts(lang, 0, PAIRS)}).to_csv(root / f"{lang}.csv", index=False)
    corpus = engine.load_corpus(root)
    pairs = detox.pairs_of(corpus)
    assert pairs.shape == (2 * PAIRS, 2) and (corpus.labels[pairs[:, 0]] == 1).all()
    models, tokenizer = _models(tiny_models)
    result = detox.run(models, tokenizer, corpus, tmp_path / "out", spec=SPEC, options=OPTIONS)
    assert result.analysis.metrics[-1] == "paired_shift"
    shift = result.analysis.plug_in[..., -1]
    assert np.isfinite(shift).all() and (shift > 0).all()
    assert (tmp_path / "out" / "figures" / "pair_arrows.png").is_file()
    rows = json.loads((tmp_path / "out" / "metrics.json").read_text())["rows"]
    assert {row["metric"] for row in rows} == set(result.analysis.metrics)
    assert (tmp_path / "out" / "report.html").read_text().count("data:image/png;base64,") == 4


def test_similarity(tiny_models, tmp_path):
    models, tokenizer = _models(tiny_models)
    corpus = engine.load_corpus("demo", split="test", langs=["en", "zh"], per_class=PAIRS)
    result = similarity.run(models, tokenizer, corpus, tmp_path / "out", spec=SPEC)
    layers = len(result["layers"])
    assert result["cka"]["linear"].shape == (2, 2, layers, layers)
    assert ((result["cka"]["rbf"] >= 0) & (result["cka"]["rbf"] <= 1 + 1e-6)).all()
    en = np.asarray(corpus.langs) == "en"
    acts = engine.extract(models["base"], tokenizer, corpus.texts, SPEC)
    expected = analysis.cka_layers(np.moveaxis(acts[en], 1, 0), np.moveaxis(
        engine.extract(models["aligned-a"], tokenizer, corpus.texts, SPEC)[en], 1, 0))
    np.testing.assert_allclose(result["cka"]["linear"][0, 0], expected, rtol=1e-5)
    np.testing.assert_allclose(np.diagonal(result["cosines"], axis1=2, axis2=3), 1.0, rtol=1e-5)
    for stem in ("cka_linear", "cka_rbf", "direction_cosines"):
        assert (tmp_path / "out" / "figures" / f"{stem}.png").is_file()
    kinds = {row["kind"] for row in json.loads((tmp_path / "out" / "metrics.json").read_text())["rows"]}
    assert kinds == {"cka_linear", "cka_rbf", "direction_cosine"}


def test_similarity_of_one_model_alone_is_its_direction_cosines(tiny_models, tmp_path):
    models, tokenizer = _models(tiny_models)
    corpus = engine.load_corpus("demo", split="test", langs=["en", "zh"], per_class=PAIRS)
    alone = similarity.run({"base": models["base"]}, tokenizer, corpus, tmp_path / "alone", spec=SPEC)
    assert alone["cka"]["linear"].shape[0] == 0 and alone["cosines"].shape[:1] == (1,)
    assert sorted(path.name for path in (tmp_path / "alone" / "figures").iterdir()) == [
        "direction_cosines.pdf", "direction_cosines.png"]
    kinds = {row["kind"] for row in json.loads((tmp_path / "alone" / "metrics.json").read_text())["rows"]}
    assert kinds == {"direction_cosine"}


def test_redteam_global_local_and_harmless(tiny_models, tmp_path):
    root = tmp_path / "aya"
    root.mkdir()
    names = {"eng": ("English", "en"), "hin": ("Hindi", "hi"), "tgl": ("Tagalog", None)}
    for code, (language, demo_lang) in names.items():
        prompts = _demo_texts(demo_lang, 1, PAIRS) if demo_lang else [f"tagalog prompt {i}" for i in range(PAIRS)]
        rows = [{"prompt": text, "language": language, "harm_category": '["Violence"]',
                 "global_or_local": "global" if i % 2 else "local"} for i, text in enumerate(prompts)]
        (root / f"aya_{code}.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    corpus = engine.load_corpus(root)
    models, tokenizer = _models(tiny_models)
    harmless = engine.load_corpus("demo", split="test")
    results = redteam.run(models, tokenizer, corpus, tmp_path / "out", harmless=harmless, spec=SPEC, options=OPTIONS)
    assert results["global_vs_local"].analysis.langs == ("en", "hi", "tl")
    assert results["vs_harmless"].analysis.langs == ("en", "hi")
    counts = results["vs_harmless"].analysis.draws["hi"].rows.size
    assert counts == 2 * PAIRS
    report = (tmp_path / "out" / "vs_harmless" / "report.md").read_text()
    assert "no harmless prompts in tl" in report
    for part in ("global_vs_local", "vs_harmless"):
        assert (tmp_path / "out" / part / "metrics.csv").is_file()
    assert (tmp_path / "out" / "report.html").is_file()
