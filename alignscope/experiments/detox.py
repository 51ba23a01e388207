"""Toxic sentences and their neutral paraphrases (ParaDetox pairs), language by language.

    python -m experiments.detox --lang=zh

Per language, model and layer: the separation metrics of toxic vs neutral, and the paired shift
(the mean toxic -> neutral displacement, in units of the layer's RMS spread), with bootstrap CIs
over whole pairs, a permutation null (labels swapped within pairs), the change from base and the
gap to English; a figure of pair arrows in PCA space, base vs aligned. Same files as
`experiments.separation`, in results/detox/.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Sequence

import numpy as np

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.data import Corpus
from alignscope.experiments import figures, flags, harness, separation
from alignscope.kernels import analysis
from alignscope.kernels import pca as pca_kernels

EXPERIMENT = "detox"
DEFAULT_DATASET = "textdetox/multilingual_paradetox"
METRICS = (*analysis.DEFAULT_METRICS, "paired_shift")
MAX_ARROWS = 60  # pairs drawn per panel, so arrows stay readable


def pairs_of(corpus: Corpus) -> np.ndarray:
    """`[p, 2]` rows (toxic, neutral) of each pair id that has one of each."""
    if corpus.pair_ids is None:
        raise AlignscopeError(f"{corpus.source or 'the corpus'} has no pair ids; the detox experiment needs ParaDetox "
                              "pairs (toxic_sentence, neutral_sentence columns, or a pair_id column)")
    toxic, neutral = {}, {}
    for row, (pair, label) in enumerate(zip(corpus.pair_ids, corpus.labels)):
        (toxic if label == 1 else neutral).setdefault(pair, row)
    pairs = np.array([(toxic[pair], neutral[pair]) for pair in toxic if pair in neutral], dtype=np.int64)
    if not len(pairs):
        raise AlignscopeError("no pair id has both a toxic and a neutral row; the detox experiment needs pairs")
    return pairs


def run(models: dict[str, engine.Model], tokenizer, corpus: Corpus, output_dir: str | pathlib.Path,
        **kwargs) -> separation.Result:
    """`experiments.separation.run` on pairs: adds the paired shift and the pair-arrow figure.
    Keyword arguments as for `separation.run` (its `options.metrics` gain `paired_shift`)."""
    options = kwargs.pop("options", None) or analysis.AnalysisOptions()
    metrics = tuple(dict.fromkeys((*options.metrics, "paired_shift")))
    options = dataclasses.replace(options, metrics=metrics)
    return separation.run(models, tokenizer, corpus, output_dir, options=options, pairs=pairs_of(corpus),
                          experiment=EXPERIMENT, extra_figures=pair_arrows, **kwargs)


def pair_arrows(activations: np.ndarray, corpus: Corpus, result: analysis.Analysis, names: Sequence[str],
                layer_index: int, layer: int, directory: pathlib.Path) -> list[tuple[str, list[pathlib.Path]]]:
    """One panel per language and model: each pair's arrow from its toxic to its neutral sentence
    in the PCA of that model's layer."""
    pairs = pairs_of(corpus)
    langs = np.asarray(corpus.langs, dtype=object)
    rng = np.random.default_rng(0)
    figure, axes = figures.plt.subplots(len(result.langs), len(names), figsize=(3.1 * len(names),
                                        2.9 * len(result.langs)), squeeze=False)
    for g, lang in enumerate(result.langs):
        mine = pairs[langs[pairs[:, 0]] == lang]
        if len(mine) > MAX_ARROWS:
            mine = mine[np.sort(rng.choice(len(mine), MAX_ARROWS, replace=False))]
        rows = np.flatnonzero(langs == lang)
        for m, name in enumerate(names):
            X = activations[m, layer_index, rows]
            fit = pca_kernels.fit(X, 2, method="exact")
            position = {row: i for i, row in enumerate(rows)}
            points = np.asarray(pca_kernels.project(X, fit))
            start = points[[position[r] for r in mine[:, 0]]]
            end = points[[position[r] for r in mine[:, 1]]]
            ax = axes[g, m]
            for a, b in zip(start, end):
                ax.annotate("", b, a, arrowprops={"arrowstyle": "->", "color": "0.45", "linewidth": 0.6})
            _, toxic_colour, toxic_marker, _ = figures.CLASS_STYLE[1]
            _, neutral_colour, neutral_marker, _ = figures.CLASS_STYLE[0]
            ax.scatter(*start.T, s=12, marker=toxic_marker, color=toxic_colour, label="toxic", zorder=3)
            ax.scatter(*end.T, s=12, marker=neutral_marker, facecolors="none", edgecolors=neutral_colour,
                       label="neutral paraphrase", zorder=3)
            ratio = np.asarray(fit.explained_variance_ratio)
            ax.set_xlabel(f"PC1 ({ratio[0]:.0%})", fontsize=8)
            ax.set_ylabel(f"PC2 ({ratio[1]:.0%})", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.set_title(f"{name} · {figures.language_name(lang)}", fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=2, fontsize=9, frameon=False, bbox_to_anchor=(0.5, 1.0))
    figure.suptitle(f"Toxic -> neutral paraphrase, PCA of hidden state {layer}", fontsize=11, y=1.04)
    figure.tight_layout()
    caption = (f"Each arrow goes from a toxic sentence to its neutral paraphrase (at most {MAX_ARROWS} pairs per "
               "panel), in the 2-D PCA of that model and language.")
    return [(caption, figures.save(figure, directory / "pair_arrows"))]


@dataclasses.dataclass(frozen=True)
class DetoxConfig(separation.SeparationConfig):
    """`python -m experiments.detox`: the flags of `experiments.separation`, on ParaDetox pairs."""

    run: harness.RunConfig = harness.RunConfig(dataset=DEFAULT_DATASET, output_dir=f"results/{EXPERIMENT}")


@flags.command(DetoxConfig)
def main(config: DetoxConfig) -> None:
    """`run` on the models and pairs of the flags; with --dry_run, what it would do."""
    setup = harness.setup(EXPERIMENT, config.run, config.states)
    if config.run.dry_run:
        print("\n".join(separation.dry_run_lines(setup, config.options())))
        return
    run(setup.lineage.models, setup.lineage.tokenizer, setup.corpus, config.run.results(),
        **separation.run_arguments(setup, config))


if __name__ == "__main__":
    flags.run(main)
