"""Figures and report of the refusal experiment (`experiments/refusal.py`).

Figures (PNG and PDF): the transfer matrix (refusal drop when language A's direction is ablated
on language B's harmful prompts) beside the cosine between the languages' directions, per model;
separation against behaviour (between-class ratio at the direction's layer against the harmful
refusal rate); the refusal rates before and after each intervention.
"""

from __future__ import annotations

import base64
import html
import pathlib
from typing import Sequence

import numpy as np

SELECTION_RULE = (
    "Candidates are difference-in-means vectors (mean over harmful train prompts minus mean over harmless "
    "ones) of the hidden state entering block l, for blocks 1 <= l < 0.8 L, at each post-instruction "
    "position (the chat template's tokens after the user's text). On validation prompts held out of train, "
    "a candidate is eligible when adding it at its block makes harmless prompts refused (mean refusal score "
    "> 0) and ablating it at every block moves harmless prompts' next-token distributions by mean "
    "KL < 0.1; the selected direction is the eligible one with the lowest mean refusal score on harmful "
    "prompts under ablation (Arditi et al. 2024). When no candidate is eligible, the lowest harmful score "
    "overall is taken and the table marks it as a fallback.")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, directory: pathlib.Path, name: str) -> pathlib.Path:
    png = directory / f"{name}.png"
    figure.savefig(png, dpi=130, bbox_inches="tight")
    figure.savefig(directory / f"{name}.pdf", bbox_inches="tight")
    _pyplot().close(figure)
    return png


def transfer_figure(transfer: dict, directory: pathlib.Path) -> pathlib.Path:
    """Per model (rows): the refusal-drop matrix and the direction-cosine matrix; returns the PNG path."""
    plt = _pyplot()
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
            ax.set_title(f"{name}: {title}")
            figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    figure.tight_layout()
    return _save(figure, directory, "transfer")


def _estimate(rows: Sequence[dict], **match) -> dict | None:
    found = [row for row in rows if all(row.get(key) == value for key, value in match.items())]
    return found[0] if found else None


MARKERS = "osD^vP*X"


def separation_behaviour_figure(rows: Sequence[dict], models: Sequence[str], langs: Sequence[str],
                                directory: pathlib.Path) -> pathlib.Path:
    """Between-class ratio at the direction's layer (x) against the harmful refusal rate without
    intervention (y, with its bootstrap CI), one point per model and language."""
    plt = _pyplot()
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
    return _save(figure, directory, "separation_vs_behaviour")


def effects_figure(rows: Sequence[dict], models: Sequence[str], langs: Sequence[str],
                   directory: pathlib.Path) -> pathlib.Path:
    """Refusal rates (with CIs) per language: harmful prompts before and after ablation, harmless
    prompts before and after addition; one panel per model."""
    plt = _pyplot()
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
            ax.bar(np.arange(len(langs)) + (index - 1.5) * width, values, width, yerr=errors, capsize=2,
                   color=colour, hatch=hatch, edgecolor="black", linewidth=0.5, label=label)
        ax.set_xticks(range(len(langs)), langs)
        ax.set_ylim(0, 1.05)
        ax.set_title(name)
        ax.set_xlabel("language")
        if panel == 0:
            ax.set_ylabel("refusal rate (generated answers)")
    axes[0, -1].legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    return _save(figure, directory, "refusal_rates")


def _table(header: Sequence[str], body: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


def _ci(row: dict | None) -> str:
    if row is None:
        return "-"
    if row.get("low") is None:
        return f"{row['estimate']:.3f}"
    return f"{row['estimate']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"


def report_markdown(results: dict, models: Sequence[str], langs: Sequence[str], figures: dict[str, pathlib.Path],
                    settings: dict) -> str:
    """Returns report.md: the rule, the selected directions, effects, transfer, figures, samples, settings."""
    rows = results["rows"]
    parts = ["# Refusal across languages", "",
             "How much each model refuses harmful prompts per language, whether one direction mediates it "
             "(ablation removes refusal, addition induces it), whether a language's direction transfers to "
             "the others, and how refusal relates to how well harmful and harmless prompts separate.", "",
             "## How the direction is selected", "", SELECTION_RULE, "", "## Selected directions", ""]
    parts.append(_table(
        ["model", "language", "block", "position", "eligible candidates", "fallback"],
        [[s["model"], s["lang"], s["layer"], s["position"], f"{sum(s['eligible'])}/{len(s['eligible'])}",
          "yes" if s["fallback"] else "no"] for s in results["selections"]]))
    parts += ["", "## Refusal before and after (mean, bootstrap 95% CI)", "",
              "Refusal score: log-odds that the first answer token is a refusal token. Refusal rate: share of "
              "generated answers containing a refusal phrase of the language.", ""]
    body = []
    for name in models:
        for lang in langs:
            pick = lambda metric, prompts, edit: _ci(_estimate(rows, model=name, lang=lang, source_lang=lang,
                                                              metric=metric, prompts=prompts, intervention=edit))
            body.append([name, lang, pick("refusal_rate", "harmful", "none"), pick("refusal_rate", "harmful", "ablate"),
                         pick("refusal_rate", "harmless", "none"), pick("refusal_rate", "harmless", "add"),
                         pick("refusal_score", "harmful", "none"), pick("refusal_score", "harmful", "ablate"),
                         _ci(_estimate(rows, model=name, lang=lang, metric="between_class_ratio"))])
    parts.append(_table(["model", "lang", "rate harmful", "rate harmful ablated", "rate harmless",
                         "rate harmless added", "score harmful", "score harmful ablated", "between-class ratio"], body))
    parts += ["", "## Figures", ""]
    parts += [f"![{title}]({path.name})" + "\n" for title, path in figures.items()]
    parts += ["## Transfer matrix (refusal-score drop; rows: direction's language, columns: prompts' language)", ""]
    for name, matrix in results["transfer"].items():
        parts += [f"**{name}**", "", _table(["direction \\ prompts"] + matrix["langs"],
                                            [[source] + [f"{value:.2f}" for value in values]
                                             for source, values in zip(matrix["langs"], matrix["refusal_drop"])]), ""]
    parts += ["## Sample generations", ""]
    parts.append(_table(["model", "lang", "prompts", "intervention", "prompt", "answer"],
                        [[s["model"], s["lang"], s["prompts"], s["intervention"], _cell(s["prompt"]), _cell(s["answer"])]
                         for s in results["samples"]]))
    parts += ["", "## Settings", "", "```", *[f"{key}: {value}" for key, value in settings.items()], "```", ""]
    return "\n".join(parts)


def _cell(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit] + "…"


def report_html(markdown: str, directory: pathlib.Path) -> str:
    """Returns a self-contained HTML page of the markdown report: tables as tables, figures embedded."""
    body, table = [], []

    def flush_table():
        if table:
            cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table if not line.startswith("|---")]
            head = "".join(f"<th>{html.escape(cell)}</th>" for cell in cells[0])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in cells[1:])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            table.clear()

    in_code = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush_table()
        if line.startswith("```"):
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            body.append(html.escape(line))
        elif line.startswith("!["):
            name = line[line.index("(") + 1:line.index(")")]
            data = base64.b64encode((directory / name).read_bytes()).decode()
            body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(name)}"></figure>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("**") and line.endswith("**"):
            body.append(f"<h3>{html.escape(line.strip('*'))}</h3>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    flush_table()
    style = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:4px 8px}"
             "th{background:#f0f0f0}img{max-width:100%}pre{background:#f6f6f6;padding:1em;overflow-x:auto}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Refusal across languages</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
