"""`python -m experiments.refusal`: refusal across languages, measured beside separation.

Per language and model: the refusal direction (difference in means, selected by Arditi et al.'s
rule on a validation split held out of train), refusal score and rate on test prompts before and
after ablating it (harmful prompts) or adding it (harmless prompts), with bootstrap CIs; the
transfer matrix (language A's direction ablated on language B's prompts) beside the cosine
between the languages' directions; and the between-class ratio at the direction's layer against
the refusal rate. Writes `metrics.json`, `metrics.csv`, `run.json`, PNG and PDF figures,
`report.md` and `report.html` into the output directory (default `results/refusal/`).

    python -m experiments.refusal --lang=en,zh --max_new_tokens=24

Flags: --base, --aligned (default: the demo lineage), --dataset (default the demo corpus: its train
split gives the directions, test the measurements), --lang, --per_class (test prompts per class),
--dtype, --batch_size, --max_length, --mesh, --bootstrap, --seed, --output_dir, plus
--direction_layer, --max_new_tokens and --val_per_class. Prompts always go through the chat
template (the direction lives at the post-instruction positions).
`run(models, dataset, ...)` is the same experiment as a Python function, for in-memory models.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import time
from typing import Sequence

import numpy as np
import pandas as pd
from absl import flags

import engine
from alignscope.errors import AlignscopeError
from alignscope.versions import library_versions
from experiments import corpus_flags, inputs, outputs, refusal_core, refusal_report
from experiments import flags as shared

VAL_FRACTION = 0.25
# Datasets without train/test splits: this share of groups is the test set, seeded.
TEST_FRACTION = 0.3


def load_splits(dataset: str, langs: Sequence[str] | None, per_class: int | None, val_per_class: int,
                seed: int) -> tuple[dict[str, refusal_core.Split], dict]:
    """Returns (per language its prompts, a record of how they were split, for run.json).

    A dataset with `train` and `test` splits keeps them; otherwise a seeded share of groups
    (parallel ids, else pair ids, else rows) is the test set. Validation is a seeded share of
    train's groups, so a prompt and its translations are always on one side.
    """
    try:
        train = engine.load_corpus(dataset, langs, split="train")
        test = engine.load_corpus(dataset, langs, split="test", per_class=per_class, seed=seed)
        record = {"test": "the dataset's test split", "train": "the dataset's train split"}
    except AlignscopeError as error:
        if "split" not in str(error):
            raise
        corpus = engine.load_corpus(dataset, langs)
        held = refusal_core.validation_groups(corpus, TEST_FRACTION, seed)
        train, test = _by_groups(corpus, held, False), _by_groups(corpus, held, True)
        record = {"test": f"a seeded {TEST_FRACTION:.0%} of groups (seed {seed})", "train": "the other groups",
                  "test_groups": sorted(held)}
    val_groups = refusal_core.validation_groups(train, VAL_FRACTION, seed)
    record.update(validation=f"a seeded {VAL_FRACTION:.0%} of train's groups (seed {seed}), at most "
                             f"{val_per_class} prompts per class and language", validation_groups=sorted(val_groups))
    return refusal_core.make_splits(train, test, test.languages, val_groups, val_per_class), record


def _by_groups(corpus, groups: set[str], inside: bool):
    ids = corpus.parallel_ids or corpus.pair_ids or [str(i) for i in range(len(corpus))]
    keep = [i for i, group in enumerate(ids) if (group in groups) == inside]
    pick = lambda values: None if values is None else [values[i] for i in keep]
    return dataclasses.replace(corpus, texts=pick(corpus.texts), labels=corpus.labels[keep], langs=pick(corpus.langs),
                               pair_ids=pick(corpus.pair_ids), parallel_ids=pick(corpus.parallel_ids),
                               harm_categories=pick(corpus.harm_categories),
                               global_or_local=pick(corpus.global_or_local))


def run(models: dict[str, tuple[engine.Model, object]], dataset: str = "demo", langs: Sequence[str] | None = None, *,
        output_dir: str | pathlib.Path = "results/refusal", per_class: int | None = None,
        options: refusal_core.Options = refusal_core.Options()) -> pathlib.Path:
    """Runs the experiment on in-memory models; returns the directory it wrote.

    Args:
      models: name -> (model, tokenizer), the reference (base) first.
      dataset: a corpus `engine.load_corpus` reads (harmful and harmless prompts per language).
      langs: languages; None: all of the dataset's.
      output_dir: where the results are written (created if needed).
      per_class: test prompts per class and language; None: all.
      options: the experiment's settings.
    """
    started = time.perf_counter()
    if not models:
        raise AlignscopeError("the refusal experiment needs at least one model")
    splits, split_record = load_splits(dataset, langs, per_class, options.val_per_class, options.seed)
    results = refusal_core.run(models, splits, options)
    final = pathlib.Path(output_dir).expanduser()
    # Every file is written into a staging folder and moved into place at the end (`outputs.staged`):
    # a run that fails or is killed while writing leaves the previous results whole.
    with outputs.staged(final) as directory:
        frame = pd.DataFrame(results["rows"])
        frame.to_csv(directory / "metrics.csv", index=False)
        (directory / "metrics.json").write_text(json.dumps(results["rows"], indent=1, sort_keys=True) + "\n")
        names, languages = list(models), list(splits)
        rows = results["rows"]
        figures = {
            "Transfer matrix and direction cosines": refusal_report.transfer_figure(results["transfer"], directory),
            "Separation against behaviour": refusal_report.separation_behaviour_figure(rows, names, languages,
                                                                                      directory),
            "Refusal rates before and after": refusal_report.effects_figure(rows, names, languages, directory),
        }
        settings = {"models": {name: model.identity for name, (model, _) in models.items()}, "dataset": dataset,
                    "langs": languages, "per_class": per_class, **dataclasses.asdict(options)}
        markdown = refusal_report.report_markdown(results, names, languages, figures, settings)
        (directory / "report.md").write_text(markdown, encoding="utf-8")
        (directory / "report.html").write_text(refusal_report.report_html(markdown, directory), encoding="utf-8")
        record = {"settings": settings, "splits": split_record, "selections": results["selections"],
                  "transfer": results["transfer"], "samples": results["samples"], "versions": library_versions(),
                  "seconds": round(time.perf_counter() - started, 1)}
        (directory / "run.json").write_text(json.dumps(record, indent=1, default=_json_default) + "\n")
    return final


def _json_default(value):
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)

DIRECTION_LAYER = flags.DEFINE_string(
    "direction_layer", "selected", "Block of the refusal direction: an index 0..L-1, or 'selected' (Arditi et al.'s "
    "rule over blocks 1 <= l < 0.8 L and the post-instruction positions).", allow_override=True)
MAX_NEW_TOKENS = flags.DEFINE_integer("max_new_tokens", 24, "Tokens generated per answer (refusal rate, samples).",
                                      lower_bound=1, allow_override=True)
VAL_PER_CLASS = flags.DEFINE_integer("val_per_class", 32, "Validation prompts per class and language that select "
                                     "the direction (held out of train).", lower_bound=1, allow_override=True)


def _direction_layer() -> int | None:
    value = DIRECTION_LAYER.value.strip()
    if value == "selected":
        return None
    try:
        return int(value)
    except ValueError:
        raise AlignscopeError(f"--direction_layer={value!r} is not accepted; give a block index or 'selected'") from None


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise AlignscopeError(f"unexpected arguments {argv[1:]}; every setting is a --flag")
    mesh = engine.make_mesh(shared.MESH.value) if shared.MESH.value else None
    sources = inputs.model_sources(corpus_flags.BASE.value, corpus_flags.ALIGNED.value)
    models = inputs.load_models(sources, corpus_flags.DTYPE.value, mesh)
    tokenizer = inputs.load_tokenizer(sources)
    options = refusal_core.Options(direction_layer=_direction_layer(), max_new_tokens=MAX_NEW_TOKENS.value,
                                   val_per_class=VAL_PER_CLASS.value, bootstrap=corpus_flags.BOOTSTRAP.value,
                                   seed=corpus_flags.SEED.value, batch_size=corpus_flags.BATCH_SIZE.value,
                                   max_length=corpus_flags.MAX_LENGTH.value)
    directory = run({name: (model, tokenizer) for name, model in models.items()},
                    inputs.resolve_dataset(corpus_flags.DATASET.value or "demo", shared.SHARED_DATA.value),
                    corpus_flags.langs(),
                    output_dir=shared.output_dir("refusal"), per_class=corpus_flags.PER_CLASS.value, options=options)
    print(f"refusal: results in {directory}/ (report.html, metrics.csv, figures)")


if __name__ == "__main__":
    shared.run(main)
