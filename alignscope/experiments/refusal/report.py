"""Figures and report of the refusal experiment (`experiments.refusal`).

Figures (PNG and PDF, `experiments.figures.save`): the transfer matrix (refusal drop when language
A's direction is ablated on language B's harmful prompts) beside the cosine between the languages'
directions, per model; separation against behaviour (between-class ratio at the direction's layer
against the harmful refusal rate); the refusal rates before and after each intervention. The
report is an `experiments.report.Report`, written as every experiment's is.
"""

from __future__ import annotations

import pathlib
from typing import Sequence

import numpy as np

from alignscope.experiments.figures import plt, save
from alignscope.experiments.report import Report, Table

SELECTION_RULE = (
    "Candidates are difference-in-means vectors (mean over harmful train prompts minus mean over harmless "
    "ones) of the hidden state entering block l, for blocks 1 <= l < 0.8 L, at each post-instruction "
    "position (the chat template's tokens after the user's text). On validation prompts held out of train, "
    "a candidate is eligible when adding it at its block makes harmless prompts refused (mean refusal score "
    "> 0) and ablating it at every block moves harmless prompts' next-token distributions by mean "
    "KL < 0.1; the selected direction is the eligible one with the lowest mean refusal score on harmful "
    "prompts under ablation (Arditi et al. 2024). When no candidate is eligible, the lowest harmful score "
    "among those with KL < 0.1 is taken (among all when none is: its ablation then breaks the model rather "
    "than removing refusal) and the table marks it as a fallback, with its KL. To keep the cost down the "
    "rule runs on a shortlist: a first score on a few of the shortest validation prompts keeps the blocks "
    "whose candidates, ablated together, lower the refusal score most, then those blocks' candidates that, "
    "ablated alone, lower it most while keeping KL < 0.1 there; only these are scored in full (the notes give "
    "the numbers).")


def transfer_figure(transfer: dict, directory: pathlib.Path) -> list[pathlib.Path]:
    """Per model (rows): the refusal-drop matrix and the direction-cosine matrix; returns the PNG and
    PDF paths."""
    names = list(transfer)
    figure, axes = plt.subplots(len(names), 2, figsize=(8.4, 3.6 * len(names)), squeeze=False)
    for row, name in enumerate(names):
        langs = transfer[name]["langs"]
        for col, (key, title, cmap) in enumerate((("refusal_drop", "refusal-score drop", "RdBu_r"),
                                                  ("cosine", "cosine of directions", "viridis"))):
            values = np.asarray(transfer[name][key])
            limit = max(float(np.abs(values).max()), 1e-9)
            ax = axes[row, col]
            image = ax.imshow(values, cmap=cmap, vmin=-limit if key == "refusal_drop" else -1,
                              vmax=limit if key == "refusal_drop" else 1)
            for (a, b), value in np.ndenumerate(values):
                ax.text(b, a, f"{value:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(value) > 0.6 * (limit if key == "refusal_drop" else 1) else "black")
            ax.set_xticks(range(len(langs)), langs)
            ax.set_yticks(range(len(langs)), langs)
            ax.set_xlabel("prompts' language" if key == "refusal_drop" else "language")
            ax.set_ylabel("direction's language")
            ax.set_title(f"{name}\n{title}", fontsize=10)  # the model's name alone may be as wide as a panel
            figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    figure.tight_layout()
    return save(figure, directory / "transfer")


def _estimate(rows: Sequence[dict], **match) -> dict | None:
    found = [row for row in rows if all(row.get(key) == value for key, value in match.items())]
    return found[0] if found else None


MARKERS = "osD^vP*X"


def separation_behaviour_figure(rows: Sequence[dict], models: Sequence[str], langs: Sequence[str],
                                directory: pathlib.Path) -> list[pathlib.Path]:
    """Between-class ratio at the direction's layer (x) against the harmful refusal rate without
    intervention (y, with its bootstrap CI), one point per model and language; returns PNG and PDF."""
    figure, ax = plt.subplots(figsize=(6.4, 4.6))
    for index, name in enumerate(models):
        xs, ys, lows, highs = [], [], [], []
        for lang in langs:
            ratio = _estimate(rows, model=name, lang=lang, metric="between_class_ratio")
            rate = _estimate(rows, model=name, lang=lang, source_lang=lang, metric="refusal_rate",
                             prompts="harmful", intervention="none")
            xs.append(ratio["estimate"])
            ys.append(rate["estimate"])
            lows.append(rate["estimate"] - rate["low"])
            highs.append(rate["high"] - rate["estimate"])
            ax.annotate(lang, (xs[-1], ys[-1]), textcoords="offset points", xytext=(5, 4), fontsize=9)
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt=MARKERS[index % len(MARKERS)], capsize=3, label=name)
    ax.set_xlabel("between-class variance ratio (top 2 PCs) at the direction's layer")
    ax.set_ylabel("refusal rate on harmful test prompts")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Separation against behaviour")
    ax.grid(alpha=0.3)
    ax.legend(title="model")
    figure.tight_layout()
    return save(figure, directory / "separation_vs_behaviour")


def effects_figure(rows: Sequence[dict], models: Sequence[str], langs: Sequence[str],
                   directory: pathlib.Path) -> list[pathlib.Path]:
    """Refusal rates (with CIs) per language: harmful prompts before and after ablation, harmless
    prompts before and after addition; one panel per model. Returns PNG and PDF."""
    cases = (("harmful", "none", "harmful", "#444444"), ("harmful", "ablate", "harmful, ablated", "#d62728"),
             ("harmless", "none", "harmless", "#aaaaaa"), ("harmless", "add", "harmless, added", "#1f77b4"))
    figure, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.8), squeeze=False, sharey=True)
    width = 0.8 / len(cases)
    for panel, name in enumerate(models):
        ax = axes[0, panel]
        for index, (prompts, edit, label, colour) in enumerate(cases):
            found = [_estimate(rows, model=name, lang=lang, source_lang=lang, metric="refusal_rate", prompts=prompts,
                               intervention=edit) for lang in langs]
            values = np.array([row["estimate"] for row in found])
            errors = np.array([[row["estimate"] - row["low"] for row in found],
                               [row["high"] - row["estimate"] for row in found]])
            hatch = "//" if edit != "none" else None
            bars = ax.bar(np.arange(len(langs)) + (index - 1.5) * width, values, width, yerr=errors, capsize=2,
                          color=colour, hatch=hatch, edgecolor="black", linewidth=0.5, label=label)
            ax.bar_label(bars, labels=[f"{value:.2f}" for value in values], padding=2, fontsize=6,
                         rotation=90)  # zeros show too, upright so that neighbours do not run together
        ax.set_xticks(range(len(langs)), langs)
        ax.set_ylim(0, 1.2)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("language")
        if panel == 0:
            ax.set_ylabel("refusal rate (generated answers)")
    axes[0, -1].legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    return save(figure, directory / "refusal_rates")


def _ci(row: dict | None) -> str:
    if row is None:
        return "-"
    if row.get("low") is None:
        return f"{row['estimate']:.3f}"
    return f"{row['estimate']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"


def _computed(scores: Sequence[float | None]) -> int:
    """How many candidates a selection stage scored (the others are None)."""
    return sum(score is not None for score in scores)


def _cell(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _findings(rows: Sequence[dict], models: Sequence[str], langs: Sequence[str]) -> list[str]:
    """One sentence per model: its refusal rates per language, before and after each intervention."""
    def rates(name: str, prompts: str, edit: str) -> str:
        found = [_estimate(rows, model=name, lang=lang, source_lang=lang, metric="refusal_rate", prompts=prompts,
                           intervention=edit) for lang in langs]
        return ", ".join(f"{lang} {row['estimate']:.2f}" for lang, row in zip(langs, found))

    return [f"{name} refused harmful prompts at rates {rates(name, 'harmful', 'none')}; with its own language's "
            f"direction ablated, {rates(name, 'harmful', 'ablate')}. It refused harmless prompts at "
            f"{rates(name, 'harmless', 'none')}; with the direction added, {rates(name, 'harmless', 'add')}."
            for name in models]


FIGURE_CAPTIONS = (
    "Transfer matrix: the drop in refusal score of language B's harmful prompts (columns) when language A's "
    "direction (rows) is ablated, beside the cosine between the two languages' directions.",
    "Separation against behaviour: the between-class variance ratio (top 2 PCs) of harmful and harmless test "
    "prompts at the direction's block, against the refusal rate on harmful prompts (bootstrap 95% CI).",
    "Refusal rates of generated answers before and after: harmful prompts with the direction ablated, "
    "harmless prompts with it added (bootstrap 95% CIs).",
)


def build_report(results: dict, models: Sequence[str], langs: Sequence[str], figure_pngs: Sequence[pathlib.Path],
                 settings: dict, notes: Sequence[str] = ()) -> Report:
    """Returns the report: the selection rule, the selected directions, effects before and after,
    transfer matrices, the figures (`figure_pngs` in `FIGURE_CAPTIONS` order), sample generations,
    notes and settings."""
    rows = results["rows"]
    report = Report(title=f"Refusal across languages: {', '.join(models)}")
    report.findings = [
        "How much each model refuses harmful prompts per language, whether one direction mediates it (ablation "
        "removes refusal, addition induces it), whether a language's direction transfers to the others, and how "
        "refusal relates to how well harmful and harmless prompts separate.",
        f"How the direction is selected: {SELECTION_RULE}", *_findings(rows, models, langs)]
    report.figures = list(zip(FIGURE_CAPTIONS, figure_pngs))
    report.tables.append(Table("Selected directions", ["model", "language", "block", "position", "candidates",
                                                       "screened", "scored in full", "fallback",
                                                       "KL when ablated"],
                               [[s["model"], s["lang"], str(s["layer"]), str(s["position"]), str(len(s["layers"])),
                                 str(_computed(s["screen_harmful"])), str(_computed(s["ablated_harmful"])),
                                 "yes" if s["fallback"] else "no", f"{s['kl_harmless'][s['chosen']]:.3f}"]
                                for s in results["selections"]]))
    body = []
    for name in models:
        for lang in langs:
            pick = lambda metric, prompts, edit: _ci(_estimate(rows, model=name, lang=lang, source_lang=lang,
                                                              metric=metric, prompts=prompts, intervention=edit))
            body.append([name, lang, pick("refusal_rate", "harmful", "none"), pick("refusal_rate", "harmful", "ablate"),
                         pick("refusal_rate", "harmless", "none"), pick("refusal_rate", "harmless", "add"),
                         pick("refusal_score", "harmful", "none"), pick("refusal_score", "harmful", "ablate"),
                         _ci(_estimate(rows, model=name, lang=lang, metric="between_class_ratio"))])
    report.tables.append(Table("Refusal before and after (mean, bootstrap 95% CI)",
                               ["model", "lang", "rate harmful", "rate harmful ablated", "rate harmless",
                                "rate harmless added", "score harmful", "score harmful ablated",
                                "between-class ratio"], body))
    for name, matrix in results["transfer"].items():
        report.tables.append(Table(f"{name}: transfer matrix (refusal-score drop; rows: direction's language, "
                                   "columns: prompts' language)", ["direction \\ prompts", *matrix["langs"]],
                                   [[source, *[f"{value:.2f}" for value in values]]
                                    for source, values in zip(matrix["langs"], matrix["refusal_drop"])]))
    report.tables.append(Table("Sample generations", ["model", "lang", "prompts", "intervention", "prompt", "answer"],
                               [[s["model"], s["lang"], s["prompts"], s["intervention"], _cell(s["prompt"]),
                                 _cell(s["answer"])] for s in results["samples"]]))
    report.notes = ["Refusal score: log-odds that the first answer token is one of the language's refusal tokens "
                    "(the first tokens of the demo corpus's refusals in the language and in English). "
                    "Refusal rate: share of generated answers containing a refusal phrase of the language or an "
                    "English one (models often answer a non-English prompt in English).",
                    *notes]
    report.settings = {key: str(value) for key, value in settings.items()}
    return report
