"""How similar the aligned models' hidden spaces are to the base's, and how similar the languages'
harmful - harmless directions are to each other.

    python -m experiments.similarity --lang=all

Per language: linear and RBF CKA between every layer of the base and every layer of each aligned
model (layer x layer heatmaps). Per model and layer: the cosine between the languages'
mean-difference (harmful - harmless) directions (a language x language heatmap at the layers of
interest). Files as in `experiments.separation`, in results/similarity/.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Sequence

import numpy as np

from alignscope import engine
from alignscope.data import Corpus
from alignscope.experiments import figures, flags, harness, inputs
from alignscope.experiments.activations import extract_models
from alignscope.experiments.outputs import staged, write_run_info, write_tables
from alignscope.experiments.progress import Stages
from alignscope.experiments.report import Report, Table
from alignscope.kernels import analysis

EXPERIMENT = "similarity"
KINDS = ("linear", "rbf")


def run(models: dict[str, engine.Model], tokenizer, corpus: Corpus, output_dir: str | pathlib.Path, *,
        spec: engine.ExtractionSpec | None = None, store=None, mesh=None, pca_layer: int = -1,
        notes: Sequence[str] = (), settings: dict[str, Any] | None = None, stages: Stages | None = None
        ) -> dict[str, Any]:
    """Extracts every model on `corpus`, writes CKA and direction-cosine tables, figures and report.

    `pca_layer`: the hidden state whose direction cosines are drawn (besides the middle one).
    Returns `{"cka": {kind: [aligned, langs, layers, layers]}, "cosines": [models, layers, langs, langs],
    "langs", "layers", "files"}`; one model alone has no CKA (zero aligned models) and its cosines.
    """
    spec = spec or engine.ExtractionSpec()
    stages = stages or Stages(EXPERIMENT)
    inputs.check_same_shape(models)
    output_dir = pathlib.Path(output_dir)
    names = list(models)
    first = next(iter(models.values()))
    layer_names = list(inputs.hidden_states(first, spec.layers))
    activations, extraction = extract_models(models, tokenizer, corpus.texts, spec, store, mesh, stages)
    lang_of = np.asarray(corpus.langs, dtype=object)
    langs = list(dict.fromkeys(corpus.langs))
    with stages.stage("metrics"):
        cka = {kind: np.zeros((len(names) - 1, len(langs), len(layer_names), len(layer_names))) for kind in KINDS}
        for kind in KINDS:  # one model alone has no CKA, only its direction cosines
            for m in range(1, len(names)):
                for g, lang in enumerate(langs):
                    cka[kind][m - 1, g] = analysis.cka_layers(activations[0][:, lang_of == lang],
                                                             activations[m][:, lang_of == lang], kind)
        _, cosines = analysis.direction_cosines(activations, corpus.labels, corpus.langs)
    chosen = sorted({len(layer_names) // 2, harness.layer_position(pca_layer, layer_names)})
    rows = []
    for kind in KINDS:
        for m in range(1, len(names)):
            for g, lang in enumerate(langs):
                for a, layer_a in enumerate(layer_names):
                    for b, layer_b in enumerate(layer_names):
                        rows.append({"kind": f"cka_{kind}", "model": names[m], "lang": lang, "layer": layer_a,
                                     "other_layer": layer_b, "other_lang": None, "value": float(cka[kind][m - 1, g, a, b])})
    for m, name in enumerate(names):
        for li, layer in enumerate(layer_names):
            for g, lang in enumerate(langs):
                for h, other in enumerate(langs):
                    rows.append({"kind": "direction_cosine", "model": name, "lang": lang, "layer": layer,
                                 "other_layer": None, "other_lang": other, "value": float(cosines[m, li, g, h])})
    final_dir = output_dir
    with staged(final_dir) as output_dir:  # the previous results stay whole until every file is written
        files: list[pathlib.Path] = []
        with stages.stage("figures"):
            directory = output_dir / "figures"
            pairs = [(m, g) for m in range(1, len(names)) for g in range(len(langs))]
            figure_files = {}
            for kind in KINDS if pairs else ():
                figure_files[kind] = figures.heatmaps(
                    np.stack([cka[kind][m - 1, g] for m, g in pairs]),
                    [f"{names[0]} vs {names[m]} · {figures.language_name(langs[g])}" for m, g in pairs],
                    "aligned model's hidden state", f"{names[0]}'s hidden state",
                    f"{kind.upper() if kind == 'rbf' else 'Linear'} CKA between layers (1 = same geometry)",
                    directory / f"cka_{kind}")
            panels = [(m, li) for li in chosen for m in range(len(names))]
            figure_files["cosine"] = figures.heatmaps(
                np.stack([cosines[m, li] for m, li in panels]),
                [f"{names[m]} · hidden state {layer_names[li]}" for m, li in panels], "language", "language",
                "Cosine between languages' harmful − harmless directions", directory / "direction_cosines",
                ticks=(langs, langs), vmin=-1.0, vmax=1.0)
            files += [path for paths in figure_files.values() for path in paths]
        with stages.stage("tables and report"):
            files += write_tables(output_dir, EXPERIMENT, rows, notes, {"models": names, "langs": langs,
                                                                        "layers": layer_names})
            report = _report(names, langs, layer_names, cka, cosines, chosen, figure_files, notes, settings or {})
            files += report.write(output_dir)
        files.append(write_run_info(output_dir, EXPERIMENT, settings or {}, dict(stages.seconds), {
            "models": {name: {"identity": model.identity} for name, model in models.items()},
            "corpus": {"source": corpus.source, "rows": len(corpus)}, "extraction": extraction}))
    files = [final_dir / path.relative_to(output_dir) for path in files]
    output_dir = final_dir
    stages.note(f"results in {output_dir}/ (report.html, metrics.csv, figures/)")
    return {"cka": cka, "cosines": cosines, "langs": langs, "layers": layer_names, "files": files}


def _report(names, langs, layer_names, cka, cosines, chosen, figure_files, notes, settings) -> Report:
    report = Report(title=f"Similarity of hidden spaces: {', '.join(names)}")
    last = len(layer_names) - 1
    for m in range(1, len(names)):
        same = ", ".join(f"{lang} {cka['linear'][m - 1, g, last, last]:.3f}" for g, lang in enumerate(langs))
        report.findings.append(f"Linear CKA between {names[0]} and {names[m]} at hidden state {layer_names[last]}: "
                               f"{same} (1: the same geometry up to rotation and scale).")
    if len(langs) > 1:
        off = ~np.eye(len(langs), dtype=bool)
        mean = ", ".join(f"{name} {cosines[m, last][off].mean():.3f}" for m, name in enumerate(names))
        report.findings.append(f"Mean cosine between different languages' harmful − harmless directions at hidden "
                               f"state {layer_names[last]}: {mean} (1: one shared direction).")
    if len(names) > 1:
        report.figures = [("Linear CKA, base layer (rows) against aligned layer (columns), per language.",
                           figure_files["linear"][0]),
                          ("RBF CKA (bandwidth: the median distance), as above.", figure_files["rbf"][0])]
        rows = [[names[m], lang, *[f"{cka[kind][m - 1, g, i, i]:.3f}" for kind in KINDS for i in (0, last)]]
                for m in range(1, len(names)) for g, lang in enumerate(langs)]
        report.tables.append(Table("Same-layer CKA with the base", ["model", "language", "linear, first",
                                                                    "linear, last", "RBF, first", "RBF, last"], rows))
    report.figures.append(("Cosine between languages' mean-difference directions, per model, at hidden states "
                           f"{', '.join(str(layer_names[i]) for i in chosen)}.", figure_files["cosine"][0]))
    report.notes = list(notes)
    report.settings = {key: str(value) for key, value in settings.items()}
    return report


@dataclasses.dataclass(frozen=True)
class SimilarityConfig:
    """`python -m experiments.similarity`: its flags.

    Attributes:
      run: the models, corpus, store and results (`harness.RunConfig`).
      states: the hidden states compared (`harness.StatesConfig`).
    """

    run: harness.RunConfig = harness.RunConfig(output_dir=f"results/{EXPERIMENT}")
    states: harness.StatesConfig = harness.StatesConfig()


@flags.command(SimilarityConfig)
def main(config: SimilarityConfig) -> None:
    """`run` on the models and corpus of the flags; with --dry_run, what it would do."""
    setup = harness.setup(EXPERIMENT, config.run, config.states)
    if config.run.dry_run:
        print("\n".join(harness.dry_run_lines(setup)))
        return
    run(setup.lineage.models, setup.lineage.tokenizer, setup.corpus, config.run.results(), spec=setup.spec,
        store=setup.store, mesh=setup.lineage.mesh, pca_layer=config.states.pca_layer, notes=setup.notes,
        settings=harness.settings(config, setup.lineage.sources), stages=setup.stages)


if __name__ == "__main__":
    flags.run(main)
