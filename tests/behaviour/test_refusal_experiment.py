"""End to end: `experiments.refusal.run` on a tiny random model and the demo corpus (2 languages,
a few prompts), checking every output file and the tables' consistency."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from experiments import refusal, refusal_core


def test_refusal_experiment_writes_tables_figures_and_report(tiny_models, tmp_path):
    model, tokenizer, _ = tiny_models["llama"]
    options = refusal_core.Options(max_new_tokens=4, val_per_class=2, bootstrap=20, batch_size=4, max_length=32)
    directory = refusal.run({"base": (model, tokenizer), "edited": (model.orthogonalized(np.ones(32)), tokenizer)},
                            "demo", ["en", "de"], output_dir=tmp_path / "refusal", per_class=3, options=options)
    for name in ("metrics.json", "metrics.csv", "run.json", "report.md", "report.html", "transfer.png", "transfer.pdf",
                 "separation_vs_behaviour.png", "separation_vs_behaviour.pdf", "refusal_rates.png"):
        assert (directory / name).stat().st_size > 0, name
    metrics = pd.read_csv(directory / "metrics.csv")
    assert set(metrics["model"]) == {"base", "edited"} and set(metrics["lang"]) == {"en", "de"}
    transfer = metrics[metrics.metric == "transfer_refusal_drop"]
    assert len(transfer) == 2 * 2 * 2  # models x direction languages x prompt languages
    own = metrics[(metrics.metric == "refusal_score") & (metrics.prompts == "harmful")]
    for (name, lang), group in own.groupby(["model", "lang"]):
        before = group[group.intervention == "none"].estimate.item()
        after = group[group.intervention == "ablate"].estimate.item()
        diagonal = transfer[(transfer.model == name) & (transfer.lang == lang) & (transfer.source_lang == lang)]
        assert abs(diagonal.estimate.item() - (before - after)) < 1e-9
    rates = metrics[metrics.metric == "refusal_rate"]
    assert rates.estimate.between(0, 1).all() and (rates.low <= rates.estimate + 1e-12).all()
    run = json.loads((directory / "run.json").read_text())
    assert set(run["splits"]["validation_groups"]).isdisjoint(
        {pid for pid in run["splits"].get("test_groups", [])})
    assert len(run["selections"]) == 4 and all(s["layer"] in (1, 2) for s in run["selections"])
    report = (directory / "report.md").read_text()
    assert "KL < 0.1" in report and "![" in report
    assert "data:image/png;base64," in (directory / "report.html").read_text()
