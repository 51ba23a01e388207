"""The one entry point the experiments call: every metric of several models, per language and
layer, with bootstrap intervals, a permutation null, changes from model 0 and gaps to a
reference language, all on one shared set of resampling draws.

`analyze(activations [models, layers, n, d], labels [n], langs [n], groups, pairs, options)`
returns an `Analysis` of arrays `[models, langs, layers, metrics]`. The draws are made once:

- bootstrap: within each language, whole resampling groups are drawn with replacement inside
  their stratum (groups of harmless rows, of harmful rows, and of mixed rows such as a toxic /
  neutral pair), until the stratum's row count is reached (the last group drawn is cut to it).
  Draw j of stratum s picks group ⌊U[r, s, j] · (groups in s)⌋ of the language's groups sorted by
  id, with one uniform table U for every language: languages holding the same groups (parallel
  data) pick the same groups, so differences between languages are paired. Every model is
  evaluated on the same rows, so changes between models are paired too.
- permutation: within each language, the labels of label-pure groups are permuted among those
  groups, and labels inside mixed groups are shuffled (a sign flip for a pair), from shared keys.

Metrics (names used in `AnalysisOptions.metrics` and in the output):
  evr2           explained variance ratio of the top 2 PCs (both classes pooled; label-free, so
                 it has no permutation null)
  between2/10    between-class share of the variance on the top 2 / 10 PCs
  fisher         Fisher ratio ΔᵀΣ⁻¹Δ with Ledoit–Wolf shrinkage
  bhattacharyya  Bhattacharyya distance of Gaussians on the top 10 PCs (NaN where a class has too
                 few distinct rows for a nonsingular covariance)
  silhouette     mean euclidean silhouette of the two classes
  probe          group-folded cross-validated accuracy of a ridge probe on the language's
                 standardised features (`kernels.ridge_probe`: scikit-learn's RidgeClassifier,
                 fitted in the dual from one Gram per layer, so every replica refits it)
  paired_shift   ‖mean over pairs of (x_toxic − x_neutral)‖ / √(total variance of the language's
                 rows): the average displacement, in units of the layer's RMS spread (needs pairs)
Top-k PC counts are capped at min(n − 1, d) of the language.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, cka, gram_metrics, gram_separation, probe, ridge_probe, separation
from alignscope.kernels import pca as pca_kernels
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette", "probe",
           "paired_shift")
DEFAULT_METRICS = METRICS[:-1]
LABEL_FREE = ("evr2",)
# The values each metric can take; intervals of estimates are clipped to them.
METRIC_RANGES = {"evr2": (0.0, 1.0), "between2": (0.0, 1.0), "between10": (0.0, 1.0), "fisher": (0.0, np.inf),
                 "bhattacharyya": (0.0, np.inf), "silhouette": (-1.0, 1.0), "probe": (0.0, 1.0),
                 "paired_shift": (0.0, np.inf)}
# Elements of gathered replica activations held at once.
REPLICA_BLOCK_ELEMENTS = 2**25
_STRATA = 3  # harmless-only groups, harmful-only groups, mixed groups


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnalysisOptions:
    """What `analyze` computes.

    Attributes:
      metrics: names from `METRICS`, in output order.
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
class Draws:
    """The shared resampling draws of one language.

    Attributes:
      rows: `[n_l]` the language's rows (indices into the `n` inputs), ascending.
      bootstrap: `[bootstrap, n_l]` drawn rows (indices into the `n` inputs).
      permuted_labels: `[permutations, n_l]` the labels of `rows` under each permutation.
    """

    rows: np.ndarray
    bootstrap: np.ndarray
    permuted_labels: np.ndarray


@dataclasses.dataclass(frozen=True)
class Analysis:
    """Every metric with its intervals, null, change from model 0 and gap to the reference.

    Arrays are `[models, langs, layers, metrics]` float64 unless noted; NaN where a value is not
    defined (the null of a label-free metric, the change of model 0, the gap of the reference
    language or where the reference is absent, a metric a language cannot support).

    Attributes:
      langs, metrics: names along those axes; layers: their count.
      reference_lang: the language of the gaps, or None when the data have none.
      estimate, low, high: the metric on the data and its basic bootstrap interval
        [2·est − q_high, 2·est − q_low] (q: replica quantiles), which corrects resampling bias,
        clipped to the metric's range (`METRIC_RANGES`).
      bias: mean of the replicas minus the estimate (in-sample separation grows when rows are
        duplicated; a large bias means the sample is small for the dimension).
      null_mean, null_low, null_high: mean and central `level` interval of the permutation null.
      p_value: one-sided permutation p-value (large values extreme), (1 + #{null ≥ est}) / (1 + P).
      change, change_low, change_high, change_p_value: model m minus model 0, basic bootstrap
        interval on the same draws, and the two-sided bootstrap p-value of "no change",
        (1 + #{|r − est| ≥ |est|}) / (1 + R) over the replicas r.
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


RECORD_FIELDS = ("estimate", "low", "high", "bias", "null_mean", "null_low", "null_high", "p_value",
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

    draws = _draw(names, lang_of, y, group_of, options)
    shape = (models, len(names), layers, len(options.metrics))
    estimate = np.full(shape, np.nan)
    replicas = np.full((options.bootstrap,) + shape, np.nan)
    null = np.full((options.permutations,) + shape, np.nan)
    for g, lang in enumerate(names):
        rows = draws[lang].rows
        _check_language(lang, y[rows], group_of[rows], options)
        lang_pairs = None if pairs is None else _local_pairs(pairs, rows)
        problem = _Problem(X=X, y=y, groups=group_of, pairs=lang_pairs, options=options, rows=rows)
        # The estimate is labelling 0 of the permutation call: one compiled shape serves both.
        labellings = np.concatenate([y[rows][None], draws[lang].permuted_labels])
        own = problem.values(rows[None], labellings)
        estimate[:, g] = own[:, :, 0]
        null[:, :, g] = np.moveaxis(own[:, :, 1:], 2, 0)
        replicas[:, :, g] = np.moveaxis(
            problem.values(draws[lang].bootstrap, y[draws[lang].bootstrap]), 2, 0)
    for k, metric in enumerate(options.metrics):
        if metric in LABEL_FREE:
            null[..., k] = np.nan
    return _summarise(names, options, layers, reference, estimate, replicas, null, draws, notes)


# ---------------------------------------------------------------------------------------------
# Draws


def _group_ids(groups, n) -> np.ndarray:
    if groups is None:
        return np.arange(n)
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise AlignscopeError(f"groups have shape {groups.shape}; pass one group per row, ({n},)")
    return np.unique(groups, return_inverse=True)[1].reshape(n)


def _draw(names, lang_of, y, group_of, options) -> dict[str, Draws]:
    """Each language's rows, bootstrap rows and permuted labels from shared random tables."""
    rng = np.random.default_rng(options.seed)
    sizes = [int((lang_of == lang).sum()) for lang in names]
    most = max(sizes)
    uniforms = rng.random((options.bootstrap, _STRATA, most))
    group_keys = rng.random((options.permutations, most))
    row_keys = rng.random((options.permutations, most))
    draws = {}
    for lang in names:
        rows = np.flatnonzero(lang_of == lang)
        draws[lang] = Draws(
            rows=rows,
            bootstrap=_bootstrap_rows(rows, y[rows], group_of[rows], uniforms),
            permuted_labels=_permuted_labels(y[rows], group_of[rows], group_keys, row_keys))
    return draws


def _group_table(y, groups):
    """Per group (sorted by id): its rows (positions, CSR `order`/`starts`/`sizes`) and stratum
    (0 harmless only, 1 harmful only, 2 mixed)."""
    ids, position = np.unique(groups, return_inverse=True)
    order = np.argsort(position, kind="stable")
    sizes = np.bincount(position, minlength=len(ids))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    low = np.full(len(ids), 2)
    high = np.full(len(ids), -1)
    np.minimum.at(low, position, y)
    np.maximum.at(high, position, y)
    stratum = np.where(low == high, low, 2)
    return position, order, starts, sizes, stratum


def _bootstrap_rows(rows, y, groups, uniforms) -> np.ndarray:
    """`[R, n_l]` rows: whole groups drawn within strata until each stratum's size is reached."""
    _, order, starts, sizes, stratum = _group_table(y, groups)
    replicas = uniforms.shape[0]
    parts = []
    for s in range(_STRATA):
        members = np.flatnonzero(stratum == s)
        if not len(members):
            continue
        need = int(sizes[members].sum())
        picks = members[np.floor(uniforms[:, s, :need] * len(members)).astype(np.int64)]
        if (sizes[members] == 1).all():
            parts.append(order[starts[picks]])
            continue
        drawn = np.empty((replicas, need), np.int64)
        for r in range(replicas):
            taken = np.concatenate([order[starts[g]:starts[g] + sizes[g]] for g in picks[r]])
            drawn[r] = taken[:need]
        parts.append(drawn)
    return rows[np.concatenate(parts, axis=1)]


def _permuted_labels(y, groups, group_keys, row_keys) -> np.ndarray:
    """`[P, n_l]` labels: permuted among label-pure groups, shuffled inside mixed groups."""
    position, _, _, _, stratum = _group_table(y, groups)
    n = len(y)
    pure = np.flatnonzero(stratum < 2)
    pure_label = stratum[pure]
    rank_of = np.full(len(stratum), -1)
    rank_of[pure] = np.arange(len(pure))
    in_pure = stratum[position] < 2
    by_group = np.lexsort((np.arange(n), position))
    out = np.empty((group_keys.shape[0], n), np.int64)
    for p in range(group_keys.shape[0]):
        shuffled = np.lexsort((row_keys[p, :n], position))
        labels = np.empty(n, np.int64)
        labels[shuffled] = y[by_group]
        new_pure = pure_label[np.argsort(group_keys[p, :len(pure)], kind="stable")]
        labels[in_pure] = new_pure[rank_of[position[in_pure]]]
        out[p] = labels
    return out


# ---------------------------------------------------------------------------------------------
# Metric values


@dataclasses.dataclass(frozen=True)
class _Problem:
    """One language's metric evaluation over gathered rows and labellings.

    Where `gram_separation.gram_path_applies`, the Gram-first metrics (`gram_separation.METRICS`)
    come from each model's and layer's centred Gram over the language's rows, formed once:
    labellings (estimate, permutations) share it and its eigenpairs, and a bootstrap replica is a
    gather of it; the probe comes from the Gram of the standardised rows the same way. Elsewhere
    (many rows: n ≥ d and n > `GRAM_PATH_MAX_ROWS`) the metrics gather the activations and the
    probe weights the standardised rows by their copies in a draw (`ridge_probe`'s primal form).
    """

    X: jax.Array  # [models, layers, n, d], all rows
    y: np.ndarray
    groups: np.ndarray
    pairs: np.ndarray | None  # [p, 2] rows of this language
    options: AnalysisOptions
    rows: np.ndarray  # [m] this language's rows, ascending

    @functools.cached_property
    def _gram_path(self) -> bool:
        """Whether this language's metrics, and its probe's dual form, come from Grams."""
        return gram_separation.gram_path_applies(len(self.rows), self.X.shape[-1])

    @functools.cached_property
    def _gram_metrics(self) -> tuple[str, ...]:
        if not self._gram_path:
            return ()
        return tuple(m for m in self.options.metrics if m in gram_separation.METRICS)

    @functools.cached_property
    def _statistics(self) -> gram_separation.LayerStatistics:
        """Centred Gram `[models, layers, m, m]` of the language's rows and its top eigenpairs."""
        top = min(gram_separation.TOP, len(self.rows) - 1, self.X.shape[-1])
        return gram_separation.layer_statistics(jnp.take(self.X, jnp.asarray(self.rows), axis=2), k=top)

    @functools.cached_property
    def _probe_inputs(self) -> jax.Array:
        """The language's standardised rows `[models, layers, m, d]` (primal form) or their Gram
        `[models, layers, m, m]` (dual form, where the Gram path applies); see `ridge_probe`."""
        X = jnp.take(self.X, jnp.asarray(self.rows), axis=2)
        return ridge_probe.standardized_gram(X) if self._gram_path else ridge_probe.standardized(X)

    def values(self, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """`[models, layers, B, metrics]` for B labellings: `rows: [R, m]` (R = B, or 1 shared
        by every labelling: the language's own rows) and `labels: [B, m]` their labels."""
        results = {}
        if "probe" in self.options.metrics:
            results["probe"] = self._probe(rows, labels)
        if self._gram_metrics:
            d = self.X.shape[-1]
            if rows.shape[0] == 1:
                values = gram_separation.metric_values(self._statistics, labels, d, self._gram_metrics)
            else:
                positions = np.searchsorted(self.rows, rows)
                values = gram_separation.bootstrap_values(self._statistics, positions, labels, d,
                                                          self._gram_metrics)
            results.update(zip(self._gram_metrics, np.moveaxis(np.asarray(values, np.float64), -1, 0)))
        rest = tuple(m for m in self.options.metrics if m not in results)
        if rest:
            results.update(zip(rest, np.moveaxis(self._gathered(rows, labels, rest), -1, 0)))
        return np.stack([results[m] for m in self.options.metrics], axis=-1)

    def _gathered(self, rows, labels, metrics) -> np.ndarray:
        """`values` of `metrics` from the gathered activations, in chunks of labellings."""
        models, layers, _, d = self.X.shape
        per_replica = models * layers * rows.shape[1] * d
        chunk = max(1, min(labels.shape[0], REPLICA_BLOCK_ELEMENTS // per_replica))
        out = []
        for start in range(0, labels.shape[0], chunk):
            stop = min(start + chunk, labels.shape[0])
            # Pad the last chunk to the full size so each shape compiles once.
            take = np.r_[np.arange(start, stop), np.full(chunk - (stop - start), start)]
            chunk_rows = rows if rows.shape[0] == 1 else rows[take]
            out.append(self._chunk(chunk_rows, labels[take], metrics)[:, :, : stop - start])
        return np.concatenate(out, axis=2)

    def _chunk(self, rows, labels, metrics) -> np.ndarray:
        X = jnp.take(self.X, jnp.asarray(rows), axis=2)  # [M, L, R, m, d]
        y = jnp.asarray(labels, X.dtype)  # [B, m]
        m, d = X.shape[-2:]
        results = {}
        needs_pca = {"evr2", "between2", "between10", "bhattacharyya"} & set(metrics)
        top = min(10, m - 1, d)
        fit = _pca(X, top) if needs_pca else None
        for metric in metrics:
            if metric == "evr2":
                value = jnp.sum(fit.explained_variance_ratio[..., : min(2, top)], axis=-1)
                value = jnp.broadcast_to(value, X.shape[:2] + (y.shape[0],))
            elif metric in ("between2", "between10"):
                k = min(2 if metric == "between2" else 10, top)
                value = separation._between_class(X, y, k=k, method="exact",
                                                  components=fit.components, mean=fit.mean)
            elif metric == "bhattacharyya":
                distance, ok = separation._bhattacharyya(X, y, k=top, method="exact",
                                                         components=fit.components, mean=fit.mean)
                value = jnp.where(ok, distance, jnp.nan)
            elif metric == "fisher":
                fitted, ok = separation._lda(X, y, jnp.zeros((), X.dtype), auto=True)
                value = jnp.where(ok, fitted.ratio, jnp.nan)
            elif metric == "silhouette":
                value = self._silhouette(X, y, rows)
            else:
                value = self._paired_shift(X, labels, rows)
            results[metric] = np.asarray(jnp.broadcast_to(value, X.shape[:2] + (y.shape[0],)),
                                         np.float64)
        return np.stack([results[metric] for metric in metrics], axis=-1)

    def _silhouette(self, X, y, rows):
        """`[M, L, B]` silhouette; in a bootstrap replica, copies of one original row are one
        point (a row's own-class mean distance leaves out its copies, at distance 0), so
        duplicates do not pull the replicas above the estimate."""
        m = X.shape[-2]
        block = max(1, min(m, separation.SILHOUETTE_BLOCK_ELEMENTS // m))
        if rows.shape[0] == 1:
            return separation._silhouette(X, y, block=block)
        copies = np.stack([np.bincount(r, minlength=len(self.y))[r] for r in rows])
        return _silhouette_with_copies(X, y, jnp.asarray(copies, X.dtype), block=block)

    def _probe(self, rows, labels) -> np.ndarray:
        """`[models, layers, B]` cross-validated ridge-probe accuracy; folds keep each original
        group together (in a bootstrap draw, the copies of a row are one group)."""
        folds = self.options.probe_folds
        fold_of = np.stack([probe.group_folds(rows.shape[1], folds, self.groups[r], self.options.seed)
                            for r in rows])  # [R, m] fold of each drawn row
        dtype = self._probe_inputs.dtype
        positions = np.searchsorted(self.rows, rows)  # [R, m] rows of the language
        if self._gram_path:
            tests = jnp.asarray(fold_of[:, None, :] == np.arange(folds)[:, None], dtype)  # [R, F, m]
            if rows.shape[0] == 1:
                value = ridge_probe.accuracy(self._probe_inputs, jnp.asarray(labels, dtype), tests[0])
            else:
                value = ridge_probe.bootstrap_accuracy(self._probe_inputs, positions,
                                                       jnp.asarray(labels, dtype), tests)
            return np.asarray(value, np.float64)
        m = len(self.rows)
        counts = np.stack([np.bincount(p, minlength=m) for p in positions])  # [R, m]
        fold_of_row = np.zeros((rows.shape[0], m), np.int64)
        np.put_along_axis(fold_of_row, positions, fold_of, axis=1)  # copies share their fold
        tests = fold_of_row[:, None, :] == np.arange(folds)[:, None]  # [R, F, m]
        if rows.shape[0] == 1:
            label_rows = np.empty_like(labels)
            label_rows[:, positions[0]] = labels
        else:
            label_rows = np.broadcast_to(self.y[self.rows], counts.shape)  # a draw keeps the labels
        value = ridge_probe.primal_accuracy(self._probe_inputs, jnp.asarray(label_rows, dtype),
                                            jnp.asarray(counts, dtype), jnp.asarray(tests, dtype))
        return np.asarray(value, np.float64)

    def _paired_shift(self, X, labels, rows):
        """`[M, L, B]` ‖Σ_p w_p s_p (x_t − x_n)‖ / Σ_p w_p / √tr Cov(X); w_p counts pair p's
        toxic row among `rows` and s_p = y′_t − y′_n is its sign under the labelling."""
        pairs = self.pairs
        diff = self.X[:, :, pairs[:, 0]] - self.X[:, :, pairs[:, 1]]  # [M, L, p, d]
        weight = np.stack([np.bincount(r, minlength=len(self.y))[pairs[:, 0]] for r in rows])
        if rows.shape[0] == 1:  # labellings of the language's own rows (estimate, permutations)
            position = np.empty(len(self.y), np.int64)
            position[rows[0]] = np.arange(rows.shape[1])
            sign = labels[:, position[pairs[:, 0]]] - labels[:, position[pairs[:, 1]]]
        else:  # bootstrap rows keep their own labels: every pair points toxic -> neutral
            sign = np.ones((rows.shape[0], len(pairs)))
        w = jnp.asarray(weight * sign, X.dtype)  # [R or B, p]
        mean_shift = jnp.einsum("bp,mlpd->mlbd", w, diff) / jnp.asarray(weight.sum(-1), X.dtype)[:, None]
        centred = X - X.mean(axis=-2, keepdims=True)
        spread = jnp.sum(centred * centred, axis=(-2, -1)) / (X.shape[-2] - 1)  # [M, L, R]
        return jnp.linalg.norm(mean_shift, axis=-1) / jnp.sqrt(spread)


@functools.partial(jax.jit, static_argnames=("k",))
def _pca(X, k):
    core = functools.partial(pca_kernels.fit_core, k=k, method="exact")
    return over_leading(core, (X,), (2,))


def _silhouette_copies_one(X, y, copies, block):
    """Silhouette of one `X: [n, d]`, `y: [n]`, where row i has `copies[i]` identical rows
    (itself included) that its own-class mean distance leaves out."""
    X = X - X.mean(axis=0)

    def cross(first, size):
        return jax.lax.dynamic_slice_in_dim(X, first, size) @ X.T

    return gram_metrics.silhouette_blocks(cross, jnp.sum(X * X, axis=1), y[None], block, copies)[0]


@functools.partial(jax.jit, static_argnames=("block",))
def _silhouette_with_copies(X, y, copies, block):
    core = functools.partial(_silhouette_copies_one, block=block)
    return over_leading(core, (X, y, copies), (2, 1, 1), sequential=True)


# ---------------------------------------------------------------------------------------------
# Summaries


def _summarise(names, options, layers, reference, estimate, replicas, null, draws, notes):
    tail = (1.0 - options.level) / 2
    quantile = functools.partial(np.nanquantile, q=[tail, 1.0 - tail], axis=0)
    low, high = _basic_interval(estimate, replicas, quantile)
    bounds = np.array([METRIC_RANGES[metric] for metric in options.metrics])  # [metrics, 2]
    low, high = np.clip(low, bounds[:, 0], bounds[:, 1]), np.clip(high, bounds[:, 0], bounds[:, 1])
    bias = _quiet(functools.partial(np.nanmean, axis=0), replicas) - estimate
    nan = np.full_like(estimate, np.nan)
    if options.permutations:
        null_mean = _quiet(functools.partial(np.nanmean, axis=0), null)
        null_low, null_high = _quiet(quantile, null)
        p_value = (1.0 + np.sum(null >= estimate, axis=0)) / (1.0 + null.shape[0])
        p_value = np.where(np.isnan(null).all(axis=0) | np.isnan(estimate), np.nan, p_value)
    else:
        null_mean = null_low = null_high = p_value = nan
    change = estimate - estimate[:1]
    change_replicas = replicas - replicas[:, :1]
    change_low, change_high = _basic_interval(change, change_replicas, quantile)
    change_p = _zero_p_value(change, change_replicas)
    for field in (change, change_low, change_high, change_p):
        field[0] = np.nan
    if reference is None:
        gap = gap_low = gap_high = gap_p = nan.copy()
    else:
        ref = names.index(reference)
        gap = change - change[:, ref: ref + 1]
        gap_replicas = change_replicas - change_replicas[:, :, ref: ref + 1]
        gap_low, gap_high = _basic_interval(gap, gap_replicas, quantile)
        gap_p = _zero_p_value(gap, gap_replicas)
        for field in (gap, gap_low, gap_high, gap_p):
            field[0] = np.nan
            field[:, ref] = np.nan
    return Analysis(
        langs=tuple(names), metrics=tuple(options.metrics), layers=layers, reference_lang=reference,
        estimate=estimate, low=low, high=high, bias=bias, null_mean=null_mean, null_low=null_low,
        null_high=null_high, p_value=p_value, change=change, change_low=change_low,
        change_high=change_high, change_p_value=change_p, gap=gap, gap_low=gap_low,
        gap_high=gap_high, gap_p_value=gap_p, replicas=replicas, null=null, draws=draws,
        notes=tuple(notes))


def _basic_interval(estimate, replicas, quantile):
    """The basic (Hall) bootstrap interval [2θ̂ − q_high, 2θ̂ − q_low]: θ* − θ̂ stands for θ̂ − θ,
    so the interval corrects the upward bias that resampled (duplicated) rows give in-sample
    separation in high dimensions, where a percentile interval can miss its own estimate."""
    low, high = _quiet(quantile, replicas)
    return 2.0 * estimate - high, 2.0 * estimate - low


def _zero_p_value(estimate, replicas) -> np.ndarray:
    """Two-sided bootstrap p-value of "the true value is 0": (1 + #{|θ* − θ̂| ≥ |θ̂|}) / (1 + R)
    over the replicas that are not NaN (Hall & Wilson 1991: θ* − θ̂ as the null distribution)."""
    valid = ~np.isnan(replicas)
    count = valid.sum(axis=0)
    extreme = np.sum(valid & (np.abs(replicas - estimate) >= np.abs(estimate)), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (1.0 + extreme) / (1.0 + count)
    return np.where((count > 0) & ~np.isnan(estimate), p, np.nan)


def _quiet(function, values):
    """`function(values)` without numpy's all-NaN-slice warnings (the result is NaN there)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(values)


# ---------------------------------------------------------------------------------------------
# Input checks


def _checked_options(options, pairs) -> AnalysisOptions:
    if not isinstance(options, AnalysisOptions):
        raise AlignscopeError(f"options must be an analysis.AnalysisOptions; got {type(options).__name__}")
    unknown = [m for m in options.metrics if m not in METRICS]
    if unknown or not options.metrics or len(set(options.metrics)) != len(options.metrics):
        raise AlignscopeError(
            f"metrics={options.metrics!r} is not accepted; use distinct names from {METRICS}")
    if "paired_shift" in options.metrics and pairs is None:
        raise AlignscopeError("metric 'paired_shift' needs pairs=[p, 2] rows (toxic, neutral)")
    checks.count(options.bootstrap, "bootstrap", 2, 10**6)
    checks.count(options.permutations, "permutations", 0, 10**6)
    checks.count(options.probe_folds, "probe_folds", 2, 1000)
    if not 0.0 < options.level < 1.0:
        raise AlignscopeError(f"level={options.level!r} is not accepted; use a coverage in (0, 1)")
    return options


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
        raise AlignscopeError("a language has no pairs; paired_shift needs pairs in every language")
    return pairs[inside]


def _check_language(lang, y, groups, options) -> None:
    fewest = int(min(y.sum(), len(y) - y.sum()))
    if fewest < 2:
        raise AlignscopeError(
            f"language {lang!r} has {fewest} row(s) of one class; each class needs at least 2")
    if "probe" in options.metrics and len(np.unique(groups)) < options.probe_folds:
        raise AlignscopeError(
            f"language {lang!r} has {len(np.unique(groups))} groups but probe_folds="
            f"{options.probe_folds}; use fewer folds or more rows")


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
