"""The one entry point the experiments call: every metric of several models, per language and
layer, with bootstrap intervals, a permutation null, changes from model 0 and gaps to a
reference language, all on one shared set of resampling draws.

`analyze(activations [models, layers, n, d], labels [n], langs [n], groups, pairs, options)`
returns an `Analysis` of arrays `[models, langs, layers, metrics]`. The draws are made once
(`kernels.resample.shared_draws`):

- bootstrap: within each language, whole resampling groups are drawn with replacement inside
  their stratum (groups of harmless rows, of harmful rows, and of mixed rows such as a toxic /
  neutral pair), until the stratum's row count is reached (the last group drawn is cut to it).
  Draw j of stratum s picks group ⌊U[r, s, j] · (groups in s)⌋ of the language's groups sorted by
  id, with one uniform table U for every language: languages holding the same groups (parallel
  data) pick the same groups, so differences between languages are paired. Every model is
  evaluated on the same rows, so changes between models are paired too.
- permutation: within each language, the labels of label-pure groups are permuted among those
  groups, and labels inside mixed groups are shuffled (a sign flip for a pair), from shared keys.

Metrics: the records of `kernels.metrics.REGISTRY` (names used in `AnalysisOptions.metrics` and
in the output; each with its range, whether it reads labels, and its Gram and feature forms).
Per language, each model's and layer's statistics are formed once (`kernels.samples.Language`;
on the Gram path the centred Gram and its eigenpairs, `kernels.gram_separation`), then every
metric, replica and interval comes from the registry and `kernels.resample`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Sequence

import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, cka, gram_separation, resample, separation
from alignscope.kernels import metrics as registry
from alignscope.kernels.metrics import DEFAULT_METRICS  # the default of AnalysisOptions.metrics
from alignscope.kernels.precision import full_precision
from alignscope.kernels.resample import Draws
from alignscope.kernels.samples import Language, Sample

# Elements of gathered replica activations held at once.
REPLICA_BLOCK_ELEMENTS = 2**25


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnalysisOptions:
    """What `analyze` computes.

    Attributes:
      metrics: names from `kernels.metrics.REGISTRY`, in output order.
      bootstrap: bootstrap replicas (≥ 2).
      permutations: permutation replicas (0: no null).
      probe_folds: cross-validation folds of the probe.
      level: coverage of the intervals, in (0, 1).
      seed: seeds the shared draws and the probe folds.
      reference_lang: the language gaps are measured against (None: no gaps).
    """

    metrics: tuple[str, ...] = DEFAULT_METRICS
    bootstrap: int = 200
    permutations: int = 100
    probe_folds: int = 5
    level: float = 0.95
    seed: int = 0
    reference_lang: str | None = "en"


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Every metric with its intervals, null, change from model 0 and gap to the reference.

    Arrays are `[models, langs, layers, metrics]` float64 unless noted; NaN where a value is not
    defined (the null of a label-free metric, the change of model 0, the gap of the reference
    language or where the reference is absent, a metric a language cannot support).

    Attributes:
      langs, metrics: names along those axes; layers: their count.
      reference_lang: the language of the gaps, or None when the data have none.
      plug_in: the metric computed on the data (what scikit-learn / numpy give).
      estimate, low, high: the estimate and its normal bootstrap interval estimate ∓ z·sd(θ*)
        (`resample.normal_interval`), clipped to the metric's range (`Metric.bounds`). The
        estimate is the plug-in value minus `bias` for metrics that are `Metric.debiased`
        (distances and variance shares, which grow when rows are few for the dimension), else
        the plug-in value. No interval (NaN, and the plug-in estimate) for a language with fewer
        rows than the metric's `min_rows_per_feature` × d; `notes` says so. The coverage these
        intervals reach is measured by simulation in `experiments.benchmarks.coverage`.
      bias: mean of the replicas minus the plug-in value (a large bias means the sample is small
        for the dimension).
      null_mean, null_low, null_high: mean and central `level` interval of the permutation null.
      p_value: one-sided permutation p-value of the plug-in value (large values extreme),
        (1 + #{null ≥ plug-in}) / (1 + P): at least 1/(1 + P).
      change, change_low, change_high, change_p_value: model m minus model 0 (bias-corrected as
        the estimate is), its interval from the replicas' differences on the same draws, and the
        two-sided p-value of "no change", 2Φ(−|change| / sd).
      gap, gap_low, gap_high, gap_p_value: change in a language minus change in `reference_lang`
        on the same draw index (paired where the languages share groups), interval, p-value.
      replicas: `[bootstrap, models, langs, layers, metrics]` bootstrap values.
      null: `[permutations, models, langs, layers, metrics]` permutation values.
      draws: per language, the shared `Draws`.
      notes: sentences about what was left out and why.
    """

    langs: tuple[str, ...]
    metrics: tuple[str, ...]
    layers: int
    reference_lang: str | None
    estimate: np.ndarray
    plug_in: np.ndarray
    low: np.ndarray
    high: np.ndarray
    bias: np.ndarray
    null_mean: np.ndarray
    null_low: np.ndarray
    null_high: np.ndarray
    p_value: np.ndarray
    change: np.ndarray
    change_low: np.ndarray
    change_high: np.ndarray
    change_p_value: np.ndarray
    gap: np.ndarray
    gap_low: np.ndarray
    gap_high: np.ndarray
    gap_p_value: np.ndarray
    replicas: np.ndarray
    null: np.ndarray
    draws: dict[str, Draws]
    notes: tuple[str, ...]

    def records(self, model_names: Sequence[str] | None = None,
                layer_names: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Tidy rows, one per model × language × layer × metric, in that nesting order.

        Keys: model, lang, layer, metric, then every `[models, langs, layers, metrics]` field
        (estimate, low, high, null_mean, ..., gap_p_value) as a float or None where NaN.
        `model_names` / `layer_names` label the axes (default: their indices).
        """
        models = self.estimate.shape[0]
        model_names = list(range(models)) if model_names is None else list(model_names)
        layer_names = list(range(self.layers)) if layer_names is None else list(layer_names)
        if len(model_names) != models or len(layer_names) != self.layers:
            raise AlignscopeError(
                f"got {len(model_names)} model names and {len(layer_names)} layer names for"
                f" {models} models and {self.layers} layers; pass one name per entry")
        fields = {name: getattr(self, name) for name in RECORD_FIELDS}
        rows = []
        for m, model in enumerate(model_names):
            for g, lang in enumerate(self.langs):
                for layer_index, layer in enumerate(layer_names):
                    for k, metric in enumerate(self.metrics):
                        row = {"model": model, "lang": lang, "layer": layer, "metric": metric}
                        for name, values in fields.items():
                            value = float(values[m, g, layer_index, k])
                            row[name] = None if math.isnan(value) else value
                        rows.append(row)
        return rows


RECORD_FIELDS = ("estimate", "low", "high", "plug_in", "bias", "null_mean", "null_low", "null_high", "p_value",
                 "change", "change_low", "change_high", "change_p_value",
                 "gap", "gap_low", "gap_high", "gap_p_value")


@full_precision
def analyze(activations: Any, labels: Any, langs: Sequence[str], groups: Any = None,
            pairs: Any = None, options: AnalysisOptions = AnalysisOptions()) -> Analysis:
    """Every metric of `activations: [models, layers, n, d]` per language; see the module doc.

    Args:
      activations: all models on the same n texts (float; numpy, a memory map, or jax).
      labels: `[n]` 1 harmful / toxic, 0 harmless / neutral.
      langs: `[n]` language of each row; output languages are in order of first appearance.
      groups: `[n]` resampling groups (parallel ids, duplicate texts, pair ids: rows that must be
        drawn together and share a probe fold); default each row alone.
      pairs: `[p, 2]` rows (toxic, neutral) for `paired_shift`; both rows of a pair in one
        language.
      options: `AnalysisOptions`.
    """
    options = _checked_options(options, pairs)
    X = checks.features(activations, "activations", axes=("model", "layer", "example"))
    if X.ndim != 4:
        raise AlignscopeError(
            f"activations have shape {X.shape}; expected [models, layers, n, d]")
    models, layers, n, _ = X.shape
    y = np.asarray(labels)
    checks.labels(y, X[0, 0])
    y = y.astype(np.int64)
    lang_of = np.asarray(langs, dtype=object)
    if lang_of.shape != (n,):
        raise AlignscopeError(f"langs have shape {lang_of.shape}; pass one language per row, ({n},)")
    group_of = _group_ids(groups, n)
    names = tuple(dict.fromkeys(lang_of.tolist()))
    pairs = _checked_pairs(pairs, n, lang_of, y)
    notes = []
    reference = options.reference_lang
    if reference is not None and reference not in names:
        notes.append(f"the data have no {reference!r} rows, so no gap to {reference!r} is tested")
        reference = None

    draws = resample.shared_draws(names, lang_of, y, group_of, options.bootstrap, options.permutations,
                                  options.seed)
    chosen = registry.checked(options.metrics)
    shape = (models, len(names), layers, len(chosen))
    plug_in = np.full(shape, np.nan)
    replicas = np.full((options.bootstrap,) + shape, np.nan)
    null = np.full((options.permutations,) + shape, np.nan)
    for g, lang in enumerate(names):
        rows = draws[lang].rows
        _check_language(lang, y[rows], group_of[rows], chosen, options)
        language = Language(X=X, y=y, groups=group_of, pairs=None if pairs is None else _local_pairs(pairs, rows),
                            rows=rows, folds=options.probe_folds, seed=options.seed,
                            gram_path=gram_separation.gram_path_applies(len(rows), X.shape[-1]))
        language_metrics = _LanguageMetrics(language)
        # The estimate is labelling 0 of the permutation call: one compiled shape serves both.
        labellings = np.concatenate([y[rows][None], draws[lang].permuted_labels])
        own = language_metrics.values(chosen, rows[None], labellings)
        plug_in[:, g] = own[:, :, 0]
        null[:, :, g] = np.moveaxis(own[:, :, 1:], 2, 0)
        drawn = draws[lang].bootstrap
        replicas[:, :, g] = np.moveaxis(language_metrics.values(chosen, drawn, y[drawn]), 2, 0)
    for k, metric in enumerate(chosen):
        if metric.label_free:
            null[..., k] = np.nan
    return _summarise(names, chosen, options, layers, reference, plug_in, replicas, null, draws, X.shape[-1],
                      notes)


# ---------------------------------------------------------------------------------------------
# Metric values


class _LanguageMetrics:
    """Every metric of one language from statistics formed once per model and layer.

    Where the language takes the Gram path (`Language.gram_path`), the metrics with a Gram form
    come from each model's and layer's centred Gram over the language's rows, formed once:
    labellings (estimate, permutations) share it and its eigenpairs, and a bootstrap replica is a
    gather of it. Every other metric, and every metric elsewhere (many rows: n ≥ d and n >
    `GRAM_PATH_MAX_ROWS`), comes from its feature form on `Sample`s of the gathered rows, in
    chunks of labellings.
    """

    def __init__(self, language: Language):
        self.language = language

    @functools.cached_property
    def _gram_statistics(self) -> gram_separation.LayerStatistics:
        """Centred Gram `[models, layers, m, m]` of the language's rows and its top eigenpairs."""
        X = self.language.features
        top = min(gram_separation.TOP, X.shape[-2] - 1, X.shape[-1])
        return gram_separation.layer_statistics(X, k=top)

    def values(self, metrics: Sequence[registry.Metric], rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """`[models, layers, B, metrics]` for B labellings: `rows: [R, m]` (R = B, or 1 shared
        by every labelling: the language's own rows) and `labels: [B, m]` their labels."""
        sample = Sample(language=self.language, rows=rows, labels=labels)
        on_gram = tuple(m.name for m in metrics if self.language.gram_path and m.gram is not None)
        results = {}
        if on_gram:
            d = self.language.X.shape[-1]
            if sample.shared:
                values = gram_separation.metric_values(self._gram_statistics, labels, d, on_gram)
            else:
                values = gram_separation.bootstrap_values(self._gram_statistics, sample.positions, labels, d,
                                                          on_gram)
            results.update(zip(on_gram, np.moveaxis(np.asarray(values, np.float64), -1, 0)))
        rest = tuple(m for m in metrics if m.name not in results)
        if rest:
            results.update(zip((m.name for m in rest), np.moveaxis(self._from_features(rest, sample), -1, 0)))
        return np.stack([results[m.name] for m in metrics], axis=-1)

    def _from_features(self, metrics, whole: Sample) -> np.ndarray:
        """`values` of `metrics` from their feature forms, on chunks of the labellings of `whole`."""
        rows, labels = whole.rows, whole.labels
        models, layers, _, d = self.language.X.shape
        # Chunks bound the memory of per-labelling [m, d] arrays: gathered draws, or a vmapped
        # feature form's residuals off the Gram path. On the Gram path, labellings of shared rows
        # and draws of metrics that gather none (the probe: a draw is weights on the language's
        # rows) hold none: one chunk, which kernels.host_threads can split.
        per_replica = models * layers * rows.shape[1] * d
        one_chunk = self.language.gram_path and (whole.shared or not any(m.gathers_draws for m in metrics))
        chunk = labels.shape[0] if one_chunk else max(1, min(labels.shape[0], REPLICA_BLOCK_ELEMENTS // per_replica))
        out = []
        for start in range(0, labels.shape[0], chunk):
            stop = min(start + chunk, labels.shape[0])
            # Pad the last chunk to the full size so each shape compiles once.
            take = np.r_[np.arange(start, stop), np.full(chunk - (stop - start), start)]
            sample = Sample(language=self.language, rows=rows if whole.shared else rows[take], labels=labels[take])
            shape = (models, layers, chunk)
            values = [np.asarray(jnp.broadcast_to(metric.features(sample), shape), np.float64) for metric in metrics]
            out.append(np.stack(values, axis=-1)[:, :, : stop - start])
        return np.concatenate(out, axis=2)


# ---------------------------------------------------------------------------------------------
# Summaries


def _summarise(names, metrics, options, layers, reference, plug_in, replicas, null, draws, d, notes):
    level = options.level
    debias = np.array([metric.debiased for metric in metrics])  # [metrics]
    sizes = np.array([len(draws[lang].rows) for lang in names])
    floor = np.array([metric.min_rows_per_feature for metric in metrics]) * d
    valid = sizes[:, None, None] >= floor[None, None, :]  # [langs, 1, metrics]: an interval is given
    for k, metric in enumerate(metrics):
        short = [lang for lang, size in zip(names, sizes) if size < floor[k]]
        if short:
            notes.append(f"{metric.name}: no interval for {', '.join(short)}: with fewer than {floor[k]:g} rows"
                         f" ({metric.min_rows_per_feature:g} per feature) its bootstrap intervals held the population"
                         " value too rarely in simulation (coverage.md in the docs)"
                         + ("; its estimate there is the plug-in value, biased upward" if metric.debiased else ""))
    bounds = np.array([metric.bounds for metric in metrics])  # [metrics, 2]
    estimate = resample.normal_interval(plug_in, replicas, level, debias & valid)
    low, high = _within(estimate, valid, bounds)
    point = np.clip(estimate.point, bounds[:, 0], bounds[:, 1])
    bias = resample.quiet(functools.partial(np.nanmean, axis=0), replicas) - plug_in
    nan = np.full_like(plug_in, np.nan)
    if options.permutations:
        tail = (1.0 - level) / 2
        null_mean = resample.quiet(functools.partial(np.nanmean, axis=0), null)
        null_low, null_high = resample.quiet(functools.partial(np.nanquantile, q=[tail, 1.0 - tail], axis=0), null)
        p_value = resample.permutation_p_value(plug_in, null)
        p_value = np.where(np.isnan(null).all(axis=0) | np.isnan(plug_in), np.nan, p_value)
        if options.permutations < 999:
            notes.append(f"with {options.permutations} permutations a permutation p-value is at least"
                         f" {1 / (options.permutations + 1):.2g} (one in {options.permutations + 1}); a p-value at"
                         " that floor says only that no permuted labelling separated the classes as much")
    else:
        null_mean = null_low = null_high = p_value = nan
    change_plug_in = plug_in - plug_in[:1]
    change_replicas = replicas - replicas[:, :1]
    change = resample.normal_interval(change_plug_in, change_replicas, level, debias & valid)
    change_fields = [change.point, *_within(change, valid), np.where(valid, change.p_value, np.nan)]
    for field in change_fields:
        field[0] = np.nan
    if reference is None:
        gap_fields = [nan.copy() for _ in range(4)]
    else:
        ref = names.index(reference)
        gap_valid = valid & valid[ref]
        gap = resample.normal_interval(change_plug_in - change_plug_in[:, ref: ref + 1],
                                       change_replicas - change_replicas[:, :, ref: ref + 1], level,
                                       debias & gap_valid)
        gap_fields = [gap.point, *_within(gap, gap_valid), np.where(gap_valid, gap.p_value, np.nan)]
        for field in gap_fields:
            field[0] = np.nan
            field[:, ref] = np.nan
    return Analysis(
        langs=tuple(names), metrics=tuple(metric.name for metric in metrics), layers=layers,
        reference_lang=reference, estimate=point, plug_in=plug_in, low=low, high=high, bias=bias,
        null_mean=null_mean, null_low=null_low, null_high=null_high, p_value=p_value,
        change=change_fields[0], change_low=change_fields[1], change_high=change_fields[2],
        change_p_value=change_fields[3], gap=gap_fields[0], gap_low=gap_fields[1], gap_high=gap_fields[2],
        gap_p_value=gap_fields[3], replicas=replicas, null=null, draws=draws, notes=tuple(notes))


def _within(interval: resample.Interval, valid: np.ndarray, bounds=None) -> tuple[np.ndarray, np.ndarray]:
    """The interval's (low, high), NaN where not `valid`, clipped to `bounds: [metrics, 2]` when given."""
    low, high = np.where(valid, interval.low, np.nan), np.where(valid, interval.high, np.nan)
    if bounds is None:
        return low, high
    return np.clip(low, bounds[:, 0], bounds[:, 1]), np.clip(high, bounds[:, 0], bounds[:, 1])


# ---------------------------------------------------------------------------------------------
# Input checks


def _checked_options(options, pairs) -> AnalysisOptions:
    if not isinstance(options, AnalysisOptions):
        raise AlignscopeError(f"options must be an analysis.AnalysisOptions; got {type(options).__name__}")
    for metric in registry.checked(options.metrics):
        if metric.needs_pairs and pairs is None:
            raise AlignscopeError(f"metric {metric.name!r} needs pairs=[p, 2] rows (toxic, neutral)")
    checks.count(options.bootstrap, "bootstrap", 2, 10**6)
    checks.count(options.permutations, "permutations", 0, 10**6)
    checks.count(options.probe_folds, "probe_folds", 2, 1000)
    if not 0.0 < options.level < 1.0:
        raise AlignscopeError(f"level={options.level!r} is not accepted; use a coverage in (0, 1)")
    return options


def _group_ids(groups, n) -> np.ndarray:
    if groups is None:
        return np.arange(n)
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise AlignscopeError(f"groups have shape {groups.shape}; pass one group per row, ({n},)")
    return np.unique(groups, return_inverse=True)[1].reshape(n)


def _checked_pairs(pairs, n, lang_of, y) -> np.ndarray | None:
    if pairs is None:
        return None
    pairs = np.asarray(pairs)
    if (pairs.ndim != 2 or pairs.shape[1] != 2 or not len(pairs) or pairs.dtype.kind not in "iu"
            or pairs.min() < 0 or pairs.max() >= n):
        raise AlignscopeError(
            f"pairs of shape {pairs.shape} are not accepted; use [p, 2] row indices in [0, {n})")
    if (lang_of[pairs[:, 0]] != lang_of[pairs[:, 1]]).any():
        raise AlignscopeError("a pair's two rows are in different languages; pair rows of one language")
    if (y[pairs[:, 0]] != 1).any() or (y[pairs[:, 1]] != 0).any():
        raise AlignscopeError("pairs must be (toxic row labelled 1, neutral row labelled 0)")
    return pairs


def _local_pairs(pairs, rows) -> np.ndarray:
    inside = np.isin(pairs[:, 0], rows)
    if not inside.any():
        raise AlignscopeError("a language has no pairs; paired metrics need pairs in every language")
    return pairs[inside]


def _check_language(lang, y, groups, metrics, options) -> None:
    fewest = int(min(y.sum(), len(y) - y.sum()))
    if fewest < 2:
        raise AlignscopeError(
            f"language {lang!r} has {fewest} row(s) of one class; each class needs at least 2")
    folded = [metric.name for metric in metrics if metric.uses_folds]
    if folded and len(np.unique(groups)) < options.probe_folds:
        raise AlignscopeError(
            f"language {lang!r} has {len(np.unique(groups))} groups but probe_folds="
            f"{options.probe_folds} ({', '.join(folded)}); use fewer folds or more rows")


# ---------------------------------------------------------------------------------------------
# Similarity helpers


@full_precision
def cka_layers(first: Any, second: Any, kind: str = "linear") -> np.ndarray:
    """`[La, Lb]` CKA between every layer of `first: [La, n, d]` and `second: [Lb, n, d]` (the
    same n texts), `kind` "linear" or "rbf" (bandwidth: the median distance)."""
    A = checks.features(first, "first", min_ndim=3)
    B = checks.features(second, "second", min_ndim=3)
    checks.same_n(A, B, "first and second")
    if kind == "linear":
        return np.asarray(cka.cka_matrix(A, B), np.float64)
    if kind == "rbf":
        return np.asarray(cka.rbf_cka(A[:, None], B[None]), np.float64)
    raise AlignscopeError(f"kind={kind!r} is not accepted; use 'linear' or 'rbf'")


@full_precision
def direction_cosines(activations: Any, labels: Any, langs: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Languages (first-appearance order) and `[models, layers, langs, langs]` cosines between
    the languages' mean-difference (harmful − harmless) directions."""
    X = checks.features(activations, "activations")
    if X.ndim != 4:
        raise AlignscopeError(f"activations have shape {X.shape}; expected [models, layers, n, d]")
    y = np.asarray(labels)
    checks.labels(y, X[0, 0])
    lang_of = np.asarray(langs, dtype=object)
    names = tuple(dict.fromkeys(lang_of.tolist()))
    directions = []
    for lang in names:
        rows = np.flatnonzero(lang_of == lang)
        directions.append(separation.mean_difference_direction(X[:, :, rows], y[rows]))
    D = jnp.stack(directions, axis=2)  # [M, L, G, d]
    return names, np.asarray(jnp.einsum("mlgd,mlhd->mlgh", D, D), np.float64)
