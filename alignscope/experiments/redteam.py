"""Aya red-teaming prompts (arXiv 2406.18682): global vs local harm, and red-team vs harmless.

    python -m experiments.redteam --lang=all

Two analyses, each with the files of `experiments.separation` in its own folder:
- `global_vs_local/`: per language, the separation of prompts labelled global harm (1) from
  local harm (0);
- `vs_harmless/`: red-team prompts (1) against a harmless set (0): the demo corpus's harmless
  prompts where it has the language, or any corpus given by `--harmless` (its label-0 rows).
  Languages without harmless prompts get the first analysis only, and the report says so.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

import numpy as np

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.data import Corpus
from alignscope.experiments import flags, harness, separation
from alignscope.experiments.report import Report

EXPERIMENT = "redteam"
DEFAULT_DATASET = "CohereForAI/aya_redteaming"


def global_vs_local(corpus: Corpus) -> Corpus:
    """The rows labelled global or local harm, label 1 global, 0 local."""
    if corpus.global_or_local is None:
        raise AlignscopeError(f"{corpus.source or 'the corpus'} has no global_or_local column; the red-team "
                              "experiment needs Aya red-teaming rows")
    rows = [i for i, kind in enumerate(corpus.global_or_local) if kind in ("global", "local")]
    chosen = corpus.take(rows)
    labels = np.array([1 if kind == "global" else 0 for kind in chosen.global_or_local], dtype=np.int64)
    return Corpus(texts=chosen.texts, labels=labels, langs=chosen.langs, source=chosen.source)


def with_harmless(redteam: Corpus, harmless: Corpus, seed: int = 0) -> tuple[Corpus, list[str]]:
    """Red-team rows (label 1) and, per language the harmless set has, as many harmless rows (label
    0, a seeded draw; all of them if fewer); and the languages left out."""
    harmless = harmless.take(np.flatnonzero(harmless.labels == 0))
    by_lang = {lang: np.flatnonzero(np.asarray(harmless.langs, dtype=object) == lang) for lang in harmless.languages}
    rng = np.random.default_rng(seed)
    texts, labels, langs, missing = [], [], [], []
    for lang in redteam.languages:
        mine = [i for i, code in enumerate(redteam.langs) if code == lang]
        if lang not in by_lang:
            missing.append(lang)
            continue
        pool = by_lang[lang]
        drawn = np.sort(rng.choice(pool, min(len(pool), len(mine)), replace=False))
        texts += [redteam.texts[i] for i in mine] + [harmless.texts[i] for i in drawn]
        labels += [1] * len(mine) + [0] * len(drawn)
        langs += [lang] * (len(mine) + len(drawn))
    if not texts:
        raise AlignscopeError(f"the harmless set ({harmless.source}) has none of the red-team languages "
                              f"{redteam.languages}; pass --harmless with prompts in one of them")
    corpus = Corpus(texts=texts, labels=np.array(labels, dtype=np.int64), langs=langs,
                    source=f"{redteam.source} + harmless from {harmless.source}")
    return corpus, missing


def run(models: dict[str, engine.Model], tokenizer, corpus: Corpus, output_dir: str | pathlib.Path, *,
        harmless: Corpus | None = None, notes=(), seed: int = 0, **kwargs) -> dict[str, Any]:
    """Both analyses of red-team `corpus` (Aya rows); keyword arguments as for `separation.run`.
    `harmless`: the harmless prompts (default the demo corpus's). Returns `{name: separation.Result}`."""
    output_dir = pathlib.Path(output_dir)
    harmless = harmless if harmless is not None else engine.load_corpus("demo")
    results = {}
    results["global_vs_local"] = separation.run(
        models, tokenizer, global_vs_local(corpus), output_dir / "global_vs_local",
        experiment=f"{EXPERIMENT}/global_vs_local", notes=[*notes, "label 1: global harm, 0: local harm"], **kwargs)
    combined, missing = with_harmless(corpus, harmless, seed)
    left_out = ([f"no harmless prompts in {', '.join(missing)} ({harmless.source}): those languages have the global "
                 "vs local analysis only"] if missing else [])
    results["vs_harmless"] = separation.run(
        models, tokenizer, combined, output_dir / "vs_harmless", experiment=f"{EXPERIMENT}/vs_harmless",
        notes=[*notes, *left_out, f"label 1: red-team prompt, 0: harmless prompt from {harmless.source}"], **kwargs)
    index = Report(title="Aya red-teaming: global vs local harm, and red-team vs harmless prompts")
    index.findings = [
        "global_vs_local/report.html: how far prompts about global harm separate from prompts about local harm, per "
        "language, layer and model.",
        "vs_harmless/report.html: how far red-team prompts separate from harmless prompts in the languages that "
        "have both.",
    ]
    index.notes = left_out
    index.write(output_dir)
    return results


@dataclasses.dataclass(frozen=True)
class RedteamConfig(separation.SeparationConfig):
    """`python -m experiments.redteam`: the flags of `experiments.separation`, on Aya red-teaming
    prompts, and the harmless set.

    Attributes:
      harmless: Harmless prompts to compare red-team prompts with: 'demo' (the demo corpus's harmless prompts) or
        any corpus source (its label-0 rows).
    """

    run: harness.RunConfig = harness.RunConfig(dataset=DEFAULT_DATASET, output_dir=f"results/{EXPERIMENT}")
    harmless: str = "demo"


@flags.command(RedteamConfig)
def main(config: RedteamConfig) -> None:
    """`run` on the models, red-team prompts and harmless set of the flags; with --dry_run, what it
    would do."""
    setup = harness.setup(EXPERIMENT, config.run, config.states)
    harmless = engine.load_corpus(config.harmless, split="test" if config.harmless == "demo" else None)
    if config.run.dry_run:
        print("\n".join(separation.dry_run_lines(setup, config.options())))
        return
    run(setup.lineage.models, setup.lineage.tokenizer, setup.corpus, config.run.results(), harmless=harmless,
        seed=config.run.seed, **separation.run_arguments(setup, config))


if __name__ == "__main__":
    flags.run(main)
