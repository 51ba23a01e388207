"""End to end: `experiments.refusal.run` on a tiny random model and the demo corpus (2 languages,
a few prompts), checking every output file and the tables' consistency; the candidates' states
come through the activation store, and a second extraction reads them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from alignscope.experiments import refusal
from alignscope.experiments.refusal import core as refusal_core
from alignscope.experiments.progress import Stages

OPTIONS = refusal_core.Options(max_new_tokens=4, val_per_class=2, bootstrap=20, batch_size=4, max_length=32)


def test_refusal_experiment_writes_tables_figures_and_report(tiny_models, tmp_path, capsys):
    model, tokenizer, _ = tiny_models["llama"]
    models = {"base": model, "edited": model.orthogonalized(np.ones(32))}
    directory = refusal.run(models, tokenizer, "demo", ["en", "de"], output_dir=tmp_path / "refusal", per_class=3,
                            options=OPTIONS, store=tmp_path / "store")
    figures = [f"figures/{name}.{suffix}" for name in ("transfer", "separation_vs_behaviour", "refusal_rates")
               for suffix in ("png", "pdf")]
    for name in ("metrics.json", "metrics.csv", "run.json", "report.md", "report.html", *figures):
        assert (directory / name).stat().st_size > 0, name
    progress = capsys.readouterr().err
    for stage in ("prompts", "extract base", "extract edited", "directions base", "effects edited",
                  "transfer base", "figures", "tables and report"):
        assert f"refusal: {stage} done in" in progress, stage
    metrics = pd.read_csv(directory / "metrics.csv")
    assert set(metrics["model"]) == {"base", "edited"} and set(metrics["lang"]) == {"en", "de"}
    document = json.loads((directory / "metrics.json").read_text())
    assert document["experiment"] == "refusal" and len(document["rows"]) == len(metrics)
    transfer = metrics[metrics.metric == "transfer_refusal_drop"]
    assert len(transfer) == 2 * 2 * 2  # models x direction languages x prompt languages
    own = metrics[(metrics.metric == "refusal_score") & (metrics.prompts == "harmful")]
    for (name, lang), group in own.groupby(["model", "lang"]):
        before = group[group.intervention == "none"].estimate.item()
        after = group[group.intervention == "ablate"].estimate.item()
        diagonal = transfer[(transfer.model == name) & (transfer.lang == lang) & (transfer.source_lang == lang)]
        assert abs(diagonal.estimate.item() - (before - after)) < 1e-8  # tables hold 10 significant digits
    rates = metrics[metrics.metric == "refusal_rate"]
    assert rates.estimate.between(0, 1).all() and (rates.low <= rates.estimate + 1e-12).all()
    run = json.loads((directory / "run.json").read_text())
    assert set(run["splits"]["validation_groups"]).isdisjoint(
        {pid for pid in run["splits"].get("test_groups", [])})
    assert len(run["selections"]) == 4 and all(s["layer"] in (1, 2) for s in run["selections"])
    assert all(stats["computed_texts"] == stats["texts"] for stats in run["extraction"].values())
    report = (directory / "report.md").read_text()
    assert "KL < 0.1" in report and "](figures/transfer.png)" in report and "post-instruction" in report
    assert (directory / "report.html").read_text().count("data:image/png;base64,") == 3

    # The candidates' states of a rerun come from the store: no forward pass.
    splits, _ = refusal.load_splits("demo", ["en", "de"], 3, OPTIONS.val_per_class, OPTIONS.seed)
    texts, _ = refusal_core.extraction_rows(splits)
    states, stats = refusal_core.pooled_states(models, tokenizer, texts, (1, 2), OPTIONS, tmp_path / "store", None,
                                               Stages("refusal"))
    assert states.shape[:3] == (2, len(texts), 2) and states.shape[-1] == 32
    assert all(entry["computed_texts"] == 0 for entry in stats.values())


def test_command_line_dry_run_runs_nothing(tmp_path):
    run = subprocess.run([sys.executable, "-m", "experiments.refusal", "--dry_run", "--lang=de", "--per_class=5",
                          f"--output_dir={tmp_path / 'out'}", f"--cache_dir={tmp_path / 'store'}",
                          "--chat_template=false"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "de: train" in run.stdout and "test 5/5" in run.stdout and "chat template: off" in run.stdout
    assert "x 1 position(s)" in run.stdout and "TFLOP" in run.stdout and "refusal: load done in" in run.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


def test_command_line_bad_flag_is_one_line_and_exit_2():
    run = subprocess.run([sys.executable, "-m", "experiments.refusal", "--direction_layer=x"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == ("error: --direction_layer='x' is not accepted; give a block index "
                                                   "or 'selected'")
