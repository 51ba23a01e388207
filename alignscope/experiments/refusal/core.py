"""The cross-lingual refusal experiment's computation, without flags or files: per model and
language, the refusal direction, its effect on refusal (ablation on harmful prompts, addition on
harmless ones), the transfer of each language's direction to every other language, and the
separation of harmful from harmless prompts at the direction's layer.

The difference-in-means candidates and the states of the separation measure are pooled
extractions through the activation store (`experiments.activations`), so a rerun reads them.
`experiments.refusal` (its `__init__`) wraps `run` as an entrypoint and writes the tables, figures and report.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.interp import refusal
from alignscope.interp import refusal_direction as rd
from alignscope.data import Corpus
from alignscope.runtime.extraction import run_extraction
from alignscope.runtime.extraction_spec import ExtractionSpec
from alignscope.models.intervention import Intervention
from alignscope.models.model import Model
from alignscope.experiments.activations import extract_models_pooled
from alignscope.experiments.inputs import group_ids
from alignscope.experiments.progress import Stages

SAMPLES_PER_CASE = 2
# The prompts whose pooled states give the candidates, per language (validation prompts are only
# scored; test prompts are extracted at the selected block only, by `between_class_ratio`).
EXTRACTED = ("train_harmful", "train_harmless")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Options:
    """Settings of one run.

    Attributes:
      direction_layer: force the direction's block; None: the selected one.
      max_new_tokens: tokens generated per answer (refusal rate and samples).
      val_per_class: validation prompts per class and language for selecting the direction.
      shortlist: blocks, then candidates, kept by the first score (`interp.refusal_direction.screen`)
        and scored in full on validation; 0: every candidate scored in full.
      screen_prompts: validation prompts per class of the first score (the shortest).
      bootstrap: bootstrap replicas for confidence intervals (resampling prompts; before and after
        an intervention share draws).
      seed: seed of the bootstrap.
      batch_size, max_length: as in extraction.
      chat_template: wrap prompts as a user turn with the generation prompt; the candidates then
        sit at the template's post-instruction positions, else at the prompt's last token.
    """

    direction_layer: int | None = None
    max_new_tokens: int = 24
    val_per_class: int = 32
    shortlist: int = rd.SHORTLIST
    screen_prompts: int = rd.SCREEN_PROMPTS
    bootstrap: int = 200
    seed: int = 0
    batch_size: int = 32
    max_length: int = 256
    chat_template: bool = True


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
    """The texts of `lang` and `label`; with `groups`, those whose group is in it (`keep`) or not."""
    ids = group_ids(corpus)
    return [text for i, text in enumerate(corpus.texts)
            if corpus.langs[i] == lang and corpus.labels[i] == label
            and (groups is None or (ids[i] in groups) == keep)]


def validation_groups(corpus: Corpus, fraction: float, seed: int) -> set[str]:
    """Returns the groups (`inputs.group_ids`) held out of `corpus` for validation: a seeded
    `fraction` of them, so every translation of a prompt lands on one side."""
    groups = sorted(set(group_ids(corpus)))
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


def direction_layers(num_layers: int, options: Options) -> tuple[int, ...]:
    """Returns the candidates' blocks: `options.direction_layer`, else 1 <= l < 0.8 L.

    Raises:
      AlignscopeError: a forced block the model does not have.
    """
    if options.direction_layer is None:
        return rd.candidate_layers(num_layers)
    if not 0 <= options.direction_layer < num_layers:
        raise AlignscopeError(f"--direction_layer={options.direction_layer}: the model has blocks 0..{num_layers - 1}")
    return (options.direction_layer,)


def extraction_rows(splits: dict[str, Split]) -> tuple[list[str], dict[tuple[str, str], np.ndarray]]:
    """Returns (the prompts to extract: per language its `EXTRACTED` lists, concatenated; per
    (language, role) its rows in that list)."""
    texts, rows = [], {}
    for lang, split in splits.items():
        for role in EXTRACTED:
            prompts = getattr(split, role)
            rows[lang, role] = np.arange(len(texts), len(texts) + len(prompts))
            texts += prompts
    return texts, rows


def pooled_states(models: dict[str, Model], tokenizer, texts: Sequence[str], layers: Sequence[int], options: Options,
                  store: str | os.PathLike | None, mesh, stages: Stages) -> tuple[np.ndarray, dict]:
    """Returns (`[models, len(texts), len(layers), positions, d_model]` float32: each prompt's hidden
    states entering the blocks `layers` at its candidate positions, the last token last; per model
    what its extraction did). One forward pass per model pools every position, each position its
    own store entry (`runtime.extraction.run_extractions`)."""
    positions = rd.post_instruction_count(tokenizer, options.chat_template)
    specs = [ExtractionSpec(pooling=pooling, layers=tuple(layers), max_length=options.max_length,
                            chat_template=options.chat_template, batch_size=options.batch_size)
             for pooling in rd.position_poolings(positions)]
    activations, stats = extract_models_pooled(models, tokenizer, texts, specs, store, mesh, stages)
    # [models, positions, layers, n, d] -> [models, n, layers, positions, d]
    return activations.transpose(0, 3, 2, 1, 4), stats


@dataclasses.dataclass(frozen=True)
class Direction:
    """One model's refusal direction in one language."""

    vector: np.ndarray
    layer: int
    position: int
    selection: rd.Selection


def find_direction(model: Model, tokenizer, split: Split, lang: str, states: np.ndarray,
                   rows: dict[tuple[str, str], np.ndarray], layers: Sequence[int], options: Options) -> Direction:
    """Difference-in-means candidates of the train prompts' `states` `[n, len(layers), positions, d]`
    (`pooled_states` of one model), selected on validation (`interp.refusal_direction`)."""
    candidates = rd.difference_in_means(states[rows[lang, "train_harmful"]], states[rows[lang, "train_harmless"]])
    selection = rd.select_direction(model, tokenizer, candidates, layers, split.val_harmful, split.val_harmless,
                                    [lang] * len(split.val_harmful), [lang] * len(split.val_harmless),
                                    chat_template=options.chat_template, shortlist=options.shortlist,
                                    screen_prompts=options.screen_prompts, batch_size=options.batch_size,
                                    max_length=options.max_length)
    layer, position = int(selection.layers[selection.chosen]), int(selection.positions[selection.chosen])
    vector = candidates[list(layers).index(layer), candidates.shape[1] + position]
    return Direction(vector, layer, position, selection)


def between_class_ratio(model: Model, tokenizer, split: Split, layer: int, options: Options,
                        store: str | os.PathLike | None, mesh) -> float:
    """The between-class variance ratio on the top 2 PCs of the test prompts' last-token states
    entering the direction's block `layer`: an extraction of that state alone (its blocks only),
    through the store."""
    from alignscope.kernels.separation import between_class_variance_ratio

    spec = ExtractionSpec(pooling="last", layers=(layer,), max_length=options.max_length,
                          chat_template=options.chat_template, batch_size=options.batch_size)
    values = run_extraction(model, tokenizer, split.test_harmful + split.test_harmless, spec, mesh=mesh,
                            store=store).activations[:, 0]
    labels = np.array([1] * len(split.test_harmful) + [0] * len(split.test_harmless))
    return float(between_class_variance_ratio(np.asarray(values), labels, n_components=2))


def run(models: dict[str, Model], tokenizer, splits: dict[str, Split], options: Options, *,
        store: str | os.PathLike | None = None, mesh=None, stages: Stages | None = None) -> dict:
    """Runs the experiment; returns `rows` (tidy metric records), `selections`, `samples`, `transfer`
    and `extraction` (per model, what its extraction did).

    Args:
      models: name -> model, in display order (the first is the reference, e.g. base).
      tokenizer: their tokenizer.
      splits: language -> its prompts (`make_splits`).
      options: the run's settings.
      store: activation store directory for the pooled states (None: in memory only).
      mesh: a device mesh for the extractions.
      stages: progress lines and timings (default: a new `Stages("refusal")`).
    """
    stages = stages or Stages("refusal")
    langs = list(splits)
    layers = direction_layers(next(iter(models.values())).config.num_layers, options)
    texts, text_rows = extraction_rows(splits)
    states, extraction = pooled_states(models, tokenizer, texts, layers, options, store, mesh, stages)
    rows, selections, samples, transfer = [], [], [], {}
    for index, (name, model) in enumerate(models.items()):
        with stages.stage(f"directions {name}"):
            directions = {lang: find_direction(model, tokenizer, splits[lang], lang, states[index], text_rows, layers,
                                               options) for lang in langs}
        for lang, direction in directions.items():
            selections.append({"model": name, "lang": lang, "layer": direction.layer,
                               "position": direction.position, "fallback": direction.selection.fallback,
                               **{key: _listed(value)
                                  for key, value in dataclasses.asdict(direction.selection).items()}})
        with stages.stage(f"effects {name}"):
            base_scores, ablated_scores = {}, {}
            for lang in langs:
                base_scores[lang], ablated_scores[lang] = _effects(model, tokenizer, name, lang, splits[lang], directions[lang], options,
                                             rows, samples)
                ratio = between_class_ratio(model, tokenizer, splits[lang], directions[lang].layer, options, store,
                                            mesh)
                rows.append(dict(model=name, lang=lang, source_lang=lang, prompts="both", intervention="none",
                                 metric="between_class_ratio", estimate=ratio, low=None, high=None,
                                 n=len(splits[lang].test_harmful) + len(splits[lang].test_harmless)))
        with stages.stage(f"transfer {name}"):
            transfer[name] = _transfer(model, tokenizer, name, splits, directions, base_scores, ablated_scores,
                                       options, rows)
    return {"rows": rows, "selections": selections, "samples": samples, "transfer": transfer,
            "extraction": extraction}


def _listed(value):
    """A selection field for JSON: arrays as lists, NaN (a score not computed) as None."""
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return np.where(np.isnan(array), None, array).tolist()
    return array.tolist()


def no_edit(direction: np.ndarray) -> Intervention:
    """An ablation of `direction` at no block: the numbers of no intervention, bit for bit, computed
    by the program an edit compiles, so baselines and interventions share compiled programs."""
    return Intervention.ablate(direction, layers=())


def _effects(model: Model, tokenizer, name: str, lang: str, split: Split, direction: Direction, options: Options,
             rows: list[dict], samples: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Appends to `rows` the refusal score and rate of the test prompts before and after the
    intervention (ablation on harmful prompts, addition on harmless ones), to `samples` a few
    generations of each case; returns `[n]` the harmful prompts' scores without intervention and
    with the direction ablated."""
    kw = dict(batch_size=options.batch_size, max_length=options.max_length)
    ablate = Intervention.ablate(direction.vector)
    add = Intervention.add(direction.vector, direction.layer)
    prompts = {"harmful": split.test_harmful, "harmless": split.test_harmless}
    # "none" runs as an ablation at no block: bit for bit no intervention, from the programs the
    # edits compile (one compile per bucket of scoring and of generation, not two).
    interventions = {"none": no_edit(direction.vector), "ablate": ablate, "add": add}
    scores = {}
    for kind, edit in (("harmful", "none"), ("harmful", "ablate"), ("harmless", "none"), ("harmless", "add")):
        langs = [lang] * len(prompts[kind])
        # One pass gives both: the score reads the logits the first generated token comes from.
        scores[kind, edit], texts = refusal.score_and_generate(
            model, tokenizer, prompts[kind], langs, options.max_new_tokens, chat_template=options.chat_template,
            intervention=interventions[edit], **kw)
        refused = refusal.refusals(texts, langs).astype(np.float64)
        for metric, data in (("refusal_score", scores[kind, edit]), ("refusal_rate", refused)):
            estimate, low, high = bootstrap_mean(data, options.bootstrap, options.seed)
            rows.append(dict(model=name, lang=lang, source_lang=lang, prompts=kind, intervention=edit, metric=metric,
                             estimate=estimate, low=low, high=high, n=len(data)))
        for prompt, text in list(zip(prompts[kind], texts))[:SAMPLES_PER_CASE]:
            samples.append(dict(model=name, lang=lang, prompts=kind, intervention=edit, prompt=prompt, answer=text))
    return scores["harmful", "none"], scores["harmful", "ablate"]


def _transfer(model: Model, tokenizer, name: str, splits: dict[str, Split], directions: dict[str, Direction],
              base_scores: dict[str, np.ndarray], ablated_scores: dict[str, np.ndarray], options: Options,
              rows: list[dict]) -> dict:
    """Appends to `rows` the refusal-score drop of language B's harmful test prompts under ablation of
    language A's direction, and the cosine of the two directions, for every pair (A, B); returns
    `{"langs", "refusal_drop", "cosine"}` with `[A, B]` matrices. `ablated_scores` (per language, its
    own direction ablated, from `_effects`) are the diagonal, not computed again."""
    langs = list(splits)
    drop = np.zeros((len(langs), len(langs)))
    cosine = np.zeros((len(langs), len(langs)))
    for a, source in enumerate(langs):
        ablate = Intervention.ablate(directions[source].vector)
        for b, target in enumerate(langs):
            prompts = splits[target].test_harmful
            after = ablated_scores[target] if source == target else refusal.refusal_score(model, tokenizer, prompts, [target] * len(prompts),
                                          chat_template=options.chat_template, intervention=ablate,
                                          batch_size=options.batch_size, max_length=options.max_length)
            estimate, low, high = bootstrap_mean(base_scores[target] - after, options.bootstrap, options.seed)
            drop[a, b] = estimate
            u, v = directions[source].vector, directions[target].vector
            cosine[a, b] = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
            rows.append(dict(model=name, lang=target, source_lang=source, prompts="harmful", intervention="ablate",
                             metric="transfer_refusal_drop", estimate=estimate, low=low, high=high, n=len(after)))
            rows.append(dict(model=name, lang=target, source_lang=source, prompts="both", intervention="none",
                             metric="direction_cosine", estimate=cosine[a, b], low=None, high=None, n=None))
    return {"langs": langs, "refusal_drop": drop.tolist(), "cosine": cosine.tolist()}
