"""The experiments' figures (matplotlib, Agg): each saved as PNG and PDF, readable in grayscale
(classes differ by marker and fill, models by line style and marker, not only by colour)."""

from __future__ import annotations

import io
import pathlib
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

from alignscope.data import languages  # noqa: E402
from alignscope.experiments.outputs import write_bytes  # noqa: E402
from alignscope.kernels import metrics as metrics_registry  # noqa: E402
from alignscope.kernels.analysis import Analysis  # noqa: E402

METRIC_NAMES = {
    "evr2": "explained variance, top 2 PCs",
    "between2": "between-class ratio, top 2 PCs",
    "between10": "between-class ratio, top 10 PCs",
    "fisher": "Fisher ratio (Ledoit-Wolf)",
    "bhattacharyya": "Bhattacharyya distance, 10 PCs",
    "silhouette": "silhouette",
    "probe": "probe accuracy (CV)",
    "paired_shift": "paired shift / RMS spread",
}
CLASS_STYLE = {  # label: (name, colour, marker, filled)
    1: ("harmful", "#b2182b", "o", True),
    0: ("harmless", "#2166ac", "s", False),
}
MODEL_STYLES = [("-", "o", "#2c5d8a"), ("--", "s", "#d95f02"), (":", "^", "#1b9e77"), ("-.", "D", "#7570b3"),
                ((0, (5, 1, 1, 1)), "v", "#e7298a")]
_NAMES = {iso1: name.title() for name, iso1 in languages._OTHER_NAMES.items() if len(name) > 3}


def language_name(code: str) -> str:
    """`Chinese (zh)` for a known ISO 639-1 code, else the code."""
    return f"{_NAMES[code]} ({code})" if code in _NAMES else code


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric)


def save(figure, stem: pathlib.Path) -> list[pathlib.Path]:
    """Writes `figure` to `<stem>.png` (150 dpi) and `<stem>.pdf` atomically; closes it."""
    paths = []
    for suffix, options in ((".png", {"dpi": 150}), (".pdf", {})):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix[1:], bbox_inches="tight", metadata=_no_dates(suffix), **options)
        paths.append(write_bytes(stem.with_suffix(suffix), buffer.getvalue()))
    plt.close(figure)
    return paths


def _no_dates(suffix: str) -> dict:
    """Metadata without creation dates, so identical figures are identical files."""
    return {"CreationDate": None} if suffix == ".pdf" else {"Software": None}


def pca_grid(points: np.ndarray, explained: np.ndarray, labels: Sequence[np.ndarray], model_names: Sequence[str],
             langs: Sequence[str], layer: int, stem: pathlib.Path) -> list[pathlib.Path]:
    """Scatter grid: one row per language, one column per model, harmful vs harmless in 2-D PCA.

    Args:
      points: `[models, langs]` object array of `[n_l, 2]` PCA coordinates (each panel's own PCA).
      explained: `[models, langs, 2]` explained variance ratio of the two PCs.
      labels: per language, `[n_l]` labels.
    """
    rows, columns = len(langs), len(model_names)
    figure, axes = plt.subplots(rows, columns, figsize=(3.1 * columns, 2.9 * rows), squeeze=False)
    for g, lang in enumerate(langs):
        for m, model in enumerate(model_names):
            ax = axes[g, m]
            xy = points[m, g]
            for label, (name, colour, marker, filled) in CLASS_STYLE.items():
                chosen = labels[g] == label
                ax.scatter(xy[chosen, 0], xy[chosen, 1], s=12, marker=marker, linewidths=0.8, alpha=0.8,
                           facecolors=colour if filled else "none", edgecolors=colour, label=name)
            ax.set_xlabel(f"PC1 ({explained[m, g, 0]:.0%})", fontsize=8)
            ax.set_ylabel(f"PC2 ({explained[m, g, 1]:.0%})", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.set_title(f"{model} · {language_name(lang)}", fontsize=9)
    handles, names = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, names, loc="upper center", ncol=2, fontsize=9, frameon=False,
                  bbox_to_anchor=(0.5, 1.0))
    figure.suptitle(f"Harmful vs harmless prompts, 2-D PCA of hidden state {layer}", fontsize=11, y=1.04)
    figure.tight_layout()
    return save(figure, stem)


def layer_curves(result: Analysis, model_names: Sequence[str], layer_names: Sequence[int],
                 stem: pathlib.Path) -> list[pathlib.Path]:
    """Per metric (rows) and language (columns): each model's estimate across layers with its
    bootstrap CI band, and the permutation null's central band in grey (not for bias-corrected
    metrics: the null holds plug-in values, which carry the bias the estimate has shed)."""
    metrics, langs = result.metrics, result.langs
    figure, axes = plt.subplots(len(metrics), len(langs), figsize=(3.4 * len(langs), 2.3 * len(metrics)),
                                squeeze=False, sharex=True)
    x = np.asarray(layer_names)
    for k, metric in enumerate(metrics):
        for g, lang in enumerate(langs):
            ax = axes[k, g]
            if not np.isnan(result.null_low[:, g, :, k]).all() and not metrics_registry.REGISTRY[metric].debiased:
                low = np.nanmin(result.null_low[:, g, :, k], axis=0)
                high = np.nanmax(result.null_high[:, g, :, k], axis=0)
                ax.fill_between(x, low, high, facecolor="none", hatch="////", edgecolor="0.55", linewidth=0)
            for m, model in enumerate(model_names):
                line, marker, colour = MODEL_STYLES[m % len(MODEL_STYLES)]
                ax.fill_between(x, result.low[m, g, :, k], result.high[m, g, :, k], color=colour, alpha=0.15,
                                linewidth=0)
                ax.plot(x, result.estimate[m, g, :, k], linestyle=line, marker=marker, markersize=3, color=colour,
                        linewidth=1.2)
            if k == 0:
                ax.set_title(language_name(lang), fontsize=10)
            if g == 0:
                ax.set_ylabel(metric_name(metric), fontsize=8)
            if k == len(metrics) - 1:
                ax.set_xlabel("hidden state (0 = embeddings)", fontsize=8)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, linewidth=0.5)
    handles = [matplotlib.lines.Line2D([], [], linestyle=line, marker=marker, color=colour, markersize=4,
                                       label=model)
               for model, (line, marker, colour) in zip(model_names, MODEL_STYLES * len(model_names))]
    handles.append(matplotlib.patches.Patch(facecolor="none", hatch="////", edgecolor="0.55",
                                            label="permutation null, 95% range"))
    figure.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=8, frameon=False,
                  bbox_to_anchor=(0.5, 1.0))
    figure.suptitle("Separation by layer (bands: bootstrap 95% CI)", fontsize=11, y=1.02)
    figure.tight_layout(rect=(0, 0, 1, 0.985))
    return save(figure, stem)


def change_by_language(result: Analysis, model_names: Sequence[str], layer_index: int, layer: int,
                       stem: pathlib.Path) -> list[pathlib.Path]:
    """Per metric, at one layer: each aligned model's change from the base per language (95% CI),
    with the paired test of each language's change against English's written beside it."""
    metrics, langs = result.metrics, result.langs
    aligned = list(range(1, len(model_names)))
    columns = min(4, len(metrics))
    rows = -(-len(metrics) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 2.8 * rows), squeeze=False)
    width = 0.8 / max(1, len(aligned))
    for k, metric in enumerate(metrics):
        ax = axes[k // columns, k % columns]
        for i, m in enumerate(aligned):
            line, marker, colour = MODEL_STYLES[m % len(MODEL_STYLES)]
            x = np.arange(len(langs)) + (i - (len(aligned) - 1) / 2) * width
            value = result.change[m, :, layer_index, k]
            low, high = result.change_low[m, :, layer_index, k], result.change_high[m, :, layer_index, k]
            ax.vlines(x, low, high, color=colour, linewidth=1.2)
            ax.plot(x, value, marker, color=colour, markersize=5, linestyle="none",
                    label=f"{model_names[m]} − {model_names[0]}")
            for g in range(len(langs)):
                p = result.gap_p_value[m, g, layer_index, k]
                if not np.isnan(p):
                    ax.annotate(f"p={p:.2g}", (x[g], np.nanmax([high[g], value[g]])), textcoords="offset points",
                                xytext=(0, 3), ha="center", fontsize=6)
        ax.axhline(0, color="0.5", linewidth=0.8)
        if result.reference_lang in langs:
            ax.axvspan(langs.index(result.reference_lang) - 0.5, langs.index(result.reference_lang) + 0.5,
                       color="0.92", zorder=0)
        if np.isnan(result.change[1:, :, layer_index, k]).all():
            ax.text(0.5, 0.5, "not defined for these data", transform=ax.transAxes, ha="center", fontsize=8)
        ax.set_xlim(-0.5, len(langs) - 0.5)
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top + 0.12 * (top - bottom))  # room for the p-values above the bars
        ax.set_xticks(np.arange(len(langs)), langs, fontsize=8)
        ax.set_title(metric_name(metric), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    for k in range(len(metrics), rows * columns):
        axes[k // columns, k % columns].axis("off")
    handles, names = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8, frameon=False,
                  bbox_to_anchor=(0.5, 1.0))
    reference = result.reference_lang
    test = (f"p: paired bootstrap test of the change against {language_name(reference)} (shaded)"
            if reference else "no English rows: no paired test")
    figure.suptitle(f"Change from {model_names[0]} at hidden state {layer} (95% CI); {test}", fontsize=9, y=1.03)
    figure.tight_layout(rect=(0, 0, 1, 0.98))
    return save(figure, stem)


def heatmaps(matrices: np.ndarray, titles: Sequence[str], xlabel: str, ylabel: str, suptitle: str,
             stem: pathlib.Path, ticks: Sequence[Sequence[str]] | None = None, vmin: float = 0.0,
             vmax: float = 1.0) -> list[pathlib.Path]:
    """One heatmap per matrix `[panels, rows, cols]` with a shared colour scale (grey levels)."""
    panels = len(matrices)
    columns = min(4, panels)
    rows = -(-panels // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.0 * rows), squeeze=False)
    image = None
    for i, matrix in enumerate(matrices):
        ax = axes[i // columns, i % columns]
        image = ax.imshow(matrix, origin="lower", cmap="viridis", vmin=vmin, vmax=vmax, aspect="auto")
        ax.set_title(titles[i], fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        if ticks is not None:
            ax.set_xticks(range(len(ticks[1])), ticks[1], fontsize=7)
            ax.set_yticks(range(len(ticks[0])), ticks[0], fontsize=7)
        else:
            ax.tick_params(labelsize=7)
        if matrix.size <= 36:
            for (r, c), value in np.ndenumerate(matrix):
                ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if value < (vmin + vmax) / 2 else "black")
    for i in range(panels, rows * columns):
        axes[i // columns, i % columns].axis("off")
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    figure.suptitle(suptitle, fontsize=10)
    return save(figure, stem)
