"""The cross-lingual refusal experiment's computation, without flags or files: per model and
language, the refusal direction, its effect on refusal (ablation on harmful prompts, addition on
harmless ones), the transfer of each language's direction to every other language, and the
separation of harmful from harmless prompts at the direction's layer.

`experiments/refusal.py` wraps `run` as an entrypoint and writes the tables, figures and report.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from engine.data import Corpus
from engine.generation import generate
from engine.intervention import Intervention
from engine.model import Model
from engine import refusal, refusal_direction as rd

logger = logging.getLogger(__name__)
SAMPLES_PER_CASE = 2


@dataclasses.dataclass(frozen=True, kw_only=True)
class Options:
    """Settings of one run.

    Attributes:
      direction_layer: force the direction's block; None: the selected one.
      max_new_tokens: tokens generated per answer (refusal rate and samples).
      val_per_class: validation prompts per class and language for selecting the direction.
      bootstrap: bootstrap replicas for confidence intervals (resampling prompts; before and after
        an intervention share draws).
      seed: seed of the bootstrap.
      batch_size, max_length: as in extraction.
    """

    direction_layer: int | None = None
    max_new_tokens: int = 24
    val_per_class: int = 32
    bootstrap: int = 200
    seed: int = 0
    batch_size: int = 32
    max_length: int = 256


@dataclasses.dataclass(frozen=True)
class Split:
    """Prompts of one language: texts per role and class."""

    train_harmful: list[str]
    train_harmless: list[str]
    val_harmful: list[str]
    val_harmless: list[str]
    test_harmful: list[str]
    test_harmless: list[str]


def _subset(corpus: Corpus, lang: str, label: int, groups: set[str] | None = None, keep: bool = True) -> list[str]:
    ids = corpus.parallel_ids or corpus.pair_ids
    return [text for i, text in enumerate(corpus.texts)
            if corpus.langs[i] == lang and corpus.labels[i] == label
            and (groups is None or ((ids[i] if ids else str(i)) in groups) == keep)]


def validation_groups(corpus: Corpus, fraction: float, seed: int) -> set[str]:
    """Returns the groups (parallel ids, else pair ids, else row indices) held out of `corpus` for
    validation: a seeded `fraction` of them, so every translation of a prompt lands on one side."""
    ids = corpus.parallel_ids or corpus.pair_ids or [str(i) for i in range(len(corpus))]
    groups = sorted(set(ids))
    rng = np.random.default_rng(seed)
    count = max(1, int(round(fraction * len(groups))))
    return set(np.asarray(groups)[rng.permutation(len(groups))[:count]].tolist())


def make_splits(train: Corpus, test: Corpus, langs: Sequence[str], val_groups: set[str], val_per_class: int
                ) -> dict[str, Split]:
    """Returns per language its train/validation/test prompts (validation: `val_groups` of train)."""
    splits = {}
    for lang in langs:
        split = Split(_subset(train, lang, 1, val_groups, False), _subset(train, lang, 0, val_groups, False),
                      _subset(train, lang, 1, val_groups)[:val_per_class],
                      _subset(train, lang, 0, val_groups)[:val_per_class],
                      _subset(test, lang, 1), _subset(test, lang, 0))
        empty = [field.name for field in dataclasses.fields(split) if not getattr(split, field.name)]
        if empty:
            raise AlignscopeError(f"language {lang!r} has no prompts for {', '.join(empty)}; the refusal experiment "
                                  f"needs harmful and harmless prompts in train and test")
        splits[lang] = split
    return splits


def bootstrap_mean(values: np.ndarray, replicas: int, seed: int) -> tuple[float, float, float]:
    """Returns (mean, 2.5th and 97.5th percentiles of bootstrap means) of `[n]` values."""
    values = np.asarray(values, np.float64)
    draws = np.random.default_rng(seed).integers(0, len(values), size=(replicas, len(values)))
    means = values[draws].mean(axis=1)
    return float(values.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


@dataclasses.dataclass(frozen=True)
class Direction:
    """One model's refusal direction in one language."""

    vector: np.ndarray
    layer: int
    position: int
    selection: rd.Selection
    candidate_layers: tuple[int, ...]


def find_direction(model: Model, tokenizer, split: Split, lang: str, options: Options) -> Direction:
    """Difference-in-means candidates from train, selected on validation (`engine.refusal_direction`)."""
    kw = dict(batch_size=options.batch_size, max_length=options.max_length)
    if options.direction_layer is None:
        layers = rd.candidate_layers(model.config.num_layers)
    else:
        if not 0 <= options.direction_layer < model.config.num_layers:
            raise AlignscopeError(f"--direction_layer={options.direction_layer}: the model has blocks "
                                  f"0..{model.config.num_layers - 1}")
        layers = (options.direction_layer,)
    positions = rd.post_instruction_count(tokenizer)
    harmful = rd.trailing_states(model, tokenizer, split.train_harmful, layers, positions, **kw)
    harmless = rd.trailing_states(model, tokenizer, split.train_harmless, layers, positions, **kw)
    candidates = rd.difference_in_means(harmful, harmless)
    selection = rd.select_direction(model, tokenizer, candidates, layers, split.val_harmful, split.val_harmless,
                                    [lang] * len(split.val_harmful), [lang] * len(split.val_harmless), **kw)
    layer, position = int(selection.layers[selection.chosen]), int(selection.positions[selection.chosen])
    vector = candidates[list(layers).index(layer), positions + position]
    return Direction(vector, layer, position, selection, tuple(layers))


def _between_class_ratio(model: Model, tokenizer, split: Split, direction: Direction, options: Options) -> float:
    """The between-class variance ratio on the top 2 PCs of test prompts' last-token states entering
    the direction's block (read with the candidates' layers and positions: no new compilation)."""
    from kernels.separation import between_class_variance_ratio

    states = rd.trailing_states(model, tokenizer, split.test_harmful + split.test_harmless,
                                direction.candidate_layers, rd.post_instruction_count(tokenizer),
                                batch_size=options.batch_size, max_length=options.max_length)
    states = states[:, direction.candidate_layers.index(direction.layer), -1]
    labels = np.array([1] * len(split.test_harmful) + [0] * len(split.test_harmless))
    return float(between_class_variance_ratio(states, labels, n_components=2))


def run(models: dict[str, tuple[Model, object]], splits: dict[str, Split], options: Options) -> dict:
    """Runs the experiment; returns `rows` (tidy metric records), `selections`, `samples`, `transfer`.

    Args:
      models: name -> (model, tokenizer), in display order (the first is the reference, e.g. base).
      splits: language -> its prompts (`make_splits`).
    """
    langs = list(splits)
    rows, selections, samples, transfer = [], [], [], {}
    kw = dict(batch_size=options.batch_size, max_length=options.max_length)
    for name, (model, tokenizer) in models.items():
        logger.info("refusal: %s", name)
        directions = {lang: find_direction(model, tokenizer, splits[lang], lang, options) for lang in langs}
        for lang, direction in directions.items():
            selections.append({"model": name, "lang": lang, "layer": direction.layer,
                               "position": direction.position, "fallback": direction.selection.fallback,
                               **{key: np.asarray(value).tolist() for key, value in
                                  dataclasses.asdict(direction.selection).items()}})
        base_scores = {}
        for lang in langs:
            split, direction = splits[lang], directions[lang]
            ablate = Intervention.ablate(direction.vector)
            add = Intervention.add(direction.vector, direction.layer)
            harmful_langs, harmless_langs = [lang] * len(split.test_harmful), [lang] * len(split.test_harmless)
            scores = {
                ("harmful", "none"): refusal.refusal_score(model, tokenizer, split.test_harmful, harmful_langs, **kw),
                ("harmful", "ablate"): refusal.refusal_score(model, tokenizer, split.test_harmful, harmful_langs,
                                                             intervention=ablate, **kw),
                ("harmless", "none"): refusal.refusal_score(model, tokenizer, split.test_harmless, harmless_langs, **kw),
                ("harmless", "add"): refusal.refusal_score(model, tokenizer, split.test_harmless, harmless_langs,
                                                           intervention=add, **kw),
            }
            base_scores[lang] = scores[("harmful", "none")]
            prompts = {"harmful": split.test_harmful, "harmless": split.test_harmless}
            interventions = {"none": None, "ablate": ablate, "add": add}
            for (kind, edit), values in scores.items():
                texts = generate(model, tokenizer, prompts[kind], options.max_new_tokens, True, interventions[edit],
                                 **kw)
                refused = refusal.refusals(texts, [lang] * len(texts)).astype(np.float64)
                for metric, data in (("refusal_score", values), ("refusal_rate", refused)):
                    estimate, low, high = bootstrap_mean(data, options.bootstrap, options.seed)
                    rows.append(dict(model=name, lang=lang, source_lang=lang, prompts=kind, intervention=edit,
                                     metric=metric, estimate=estimate, low=low, high=high, n=len(data)))
                for prompt, text in list(zip(prompts[kind], texts))[:SAMPLES_PER_CASE]:
                    samples.append(dict(model=name, lang=lang, prompts=kind, intervention=edit, prompt=prompt,
                                        answer=text))
            ratio = _between_class_ratio(model, tokenizer, split, direction, options)
            rows.append(dict(model=name, lang=lang, source_lang=lang, prompts="both", intervention="none",
                             metric="between_class_ratio", estimate=ratio, low=None, high=None,
                             n=len(split.test_harmful) + len(split.test_harmless)))
        drop = np.zeros((len(langs), len(langs)))
        cosine = np.zeros((len(langs), len(langs)))
        for a, source in enumerate(langs):
            ablate = Intervention.ablate(directions[source].vector)
            for b, target in enumerate(langs):
                split = splits[target]
                after = refusal.refusal_score(model, tokenizer, split.test_harmful, [target] * len(split.test_harmful),
                                              intervention=ablate, **kw)
                estimate, low, high = bootstrap_mean(base_scores[target] - after, options.bootstrap, options.seed)
                drop[a, b] = estimate
                u, v = directions[source].vector, directions[target].vector
                cosine[a, b] = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
                rows.append(dict(model=name, lang=target, source_lang=source, prompts="harmful", intervention="ablate",
                                 metric="transfer_refusal_drop", estimate=estimate, low=low, high=high,
                                 n=len(after)))
                rows.append(dict(model=name, lang=target, source_lang=source, prompts="both", intervention="none",
                                 metric="direction_cosine", estimate=cosine[a, b], low=None, high=None, n=None))
        transfer[name] = {"langs": langs, "refusal_drop": drop.tolist(), "cosine": cosine.tolist()}
    return {"rows": rows, "selections": selections, "samples": samples, "transfer": transfer}
