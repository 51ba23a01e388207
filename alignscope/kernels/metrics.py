"""Every metric `kernels.analysis` reports, one record each, in one ordered registry.

A `Metric` names its value range, whether it reads the labels, and its two forms:
- Gram form: one layer's value from its centred Gram statistics (`samples.GramInputs`), run
  inside the one jitted call per layer of `kernels.gram_separation`, where every metric and
  replica shares the Gram and its eigenpairs; None when the metric has none.
- feature form: the value from the drawn rows' features (`samples.Sample`), batched over
  `[models, layers]`; used off the Gram path, and on it for metrics with no Gram form.
Both give the same numbers (tested against scikit-learn / float64 references). Adding a metric
is adding a record to `REGISTRY`: analysis, its intervals and `gram_separation` read it from here.

Top-k PC counts are capped at min(n − 1, d) of the rows.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import gram_metrics, probe, resample, ridge_probe, separation
from alignscope.kernels.samples import TOP, GramInputs, Sample


@dataclasses.dataclass(frozen=True)
class Metric:
    """One metric: what it is, what it can take, how it is computed.

    Attributes:
      name: the name in `AnalysisOptions.metrics` and in the output.
      description: one line on what it measures, with units.
      bounds: (low, high) values it can take; intervals are clipped to them.
      label_free: whether it ignores the labels (then it has no permutation null).
      features: feature form, `Sample` -> `[models, layers, R or B]` (broadcast to B labellings).
      gram: Gram form, `GramInputs` -> `[R]` (or `[]`, shared by every labelling), or None.
      needs_pairs: whether it reads the (toxic, neutral) pairs.
      uses_folds: whether it reads the probe folds (each language needs `probe_folds` groups).
      debiased: whether its reported estimate and intervals subtract the bootstrap bias
        (`resample.normal_interval`): plug-in distances and variance shares grow when rows are
        few for the dimension; the silhouette and the probe's held-out accuracy do not.
      min_rows_per_feature: a language gets intervals only with at least this many rows per
        feature (n ≥ this × d); below it the bootstrap intervals fell far short of 95% coverage
        in the simulation of `experiments.benchmarks.coverage` (docs/coverage.md), so none is given.
      gathers_draws: whether its feature form reads each draw's gathered rows `[m, d]`
        (`Sample.features`, or their PCA), whose memory bounds how many draws run at once.
    """

    name: str
    description: str
    bounds: tuple[float, float]
    label_free: bool
    features: Callable[[Sample], jax.Array]
    gram: Callable[[GramInputs], jax.Array] | None = None
    needs_pairs: bool = False
    uses_folds: bool = False
    debiased: bool = False
    min_rows_per_feature: float = 0.0
    gathers_draws: bool = True


# ---------------------------------------------------------------------------------------------
# Forms


def _evr_gram(inputs: GramInputs, k: int) -> jax.Array:
    return gram_metrics.explained_variance_ratio(inputs.eig, inputs.gram, min(k, inputs.top))


def _evr_features(sample: Sample, k: int) -> jax.Array:
    return jnp.sum(sample.pca.explained_variance_ratio[..., : min(k, sample.top)], axis=-1)


def _between_gram(inputs: GramInputs, k: int | None) -> jax.Array:
    if k is None:  # every feature: ûᵀKû / tr K
        unit = inputs.contrast.unit
        return jnp.sum(unit * (unit @ inputs.gram), axis=-1) / jnp.trace(inputs.gram)
    return gram_metrics.between_class(inputs.eig, inputs.contrast, min(k, inputs.top))


def _between_features(sample: Sample, k: int) -> jax.Array:
    fit = sample.pca
    return separation.between_class_batched(sample.features, sample.y, k=min(k, sample.top), method="exact",
                                            components=fit.components, mean=fit.mean)


def _fisher_gram(inputs: GramInputs) -> jax.Array:
    ratio, _, ok = gram_metrics.fisher_ledoit_wolf(inputs.gram, inputs.eig, inputs.contrast, inputs.features,
                                                   inputs.tol / 10, inputs.weights)
    return jnp.where(ok, ratio, jnp.nan)


def _fisher_features(sample: Sample) -> jax.Array:
    X = sample.features
    fitted, ok = separation.lda_batched(X, sample.y, jnp.zeros((), X.dtype), auto=True)
    return jnp.where(ok, fitted.ratio, jnp.nan)


def _bhattacharyya_gram(inputs: GramInputs, k: int) -> jax.Array:
    Z = gram_metrics.scores(inputs.eig, min(k, inputs.top))
    weights = inputs.weights
    if weights is not None:  # a weighted Gram's scores are √c times each copy's
        Z = Z * gram_metrics.inverse_root(weights)[:, None]
    distance, ok = jax.vmap(lambda y: separation.bhattacharyya_core(Z, y, k=None, method="exact",
                                                                    weights=weights))(inputs.labels)
    return jnp.where(ok, distance, jnp.nan)


def _bhattacharyya_features(sample: Sample) -> jax.Array:
    fit = sample.pca
    distance, ok = separation.bhattacharyya_batched(sample.features, sample.y, k=sample.top, method="exact",
                                                    components=fit.components, mean=fit.mean)
    return jnp.where(ok, distance, jnp.nan)


def _silhouette_gram(inputs: GramInputs) -> jax.Array:
    block = separation.silhouette_block(inputs.gram.shape[0])
    return gram_metrics.silhouette(inputs.gram, inputs.labels, block, inputs.weights)


def _silhouette_features(sample: Sample) -> jax.Array:
    """In a bootstrap draw, copies of one row are one point (a row's own-class mean distance
    leaves out its copies, at distance 0), so duplicates do not pull replicas above the estimate;
    a draw is scored on its distinct rows, weighted by their copies."""
    if sample.shared:
        X = sample.features
        return separation.silhouette_batched(X, sample.y, block=separation.silhouette_block(X.shape[-2]))
    positions, copies, labels = resample.distinct_draws(sample.positions, sample.labels)
    X = jnp.take(sample.language.features, jnp.asarray(positions), axis=2)  # [models, layers, R, U, d]
    return separation.silhouette_weighted_batched(X, jnp.asarray(labels, X.dtype), jnp.asarray(copies, X.dtype),
                                                  block=separation.silhouette_block(X.shape[-2]))


def _probe_features(sample: Sample) -> jax.Array:
    """Cross-validated ridge-probe accuracy; folds keep each original group together (in a
    bootstrap draw, the copies of a row are one group). Where the language takes the Gram path
    the probe is fitted in the dual, from the Gram of its standardised rows; elsewhere in the
    primal, weighting the standardised rows by their copies in a draw (`kernels.ridge_probe`)."""
    language, rows, labels = sample.language, sample.rows, sample.labels
    fold_of = np.stack([probe.group_folds(rows.shape[1], language.folds, language.groups[r], language.seed)
                        for r in rows])  # [R, m] fold of each drawn row
    inputs = language.standardized
    dtype = inputs.dtype
    positions = sample.positions
    masks = lambda folds: (folds[:, None, :] == np.arange(language.folds)[:, None]).astype(dtype)  # [R, F, rows]
    if language.gram_path:
        if sample.shared:
            return ridge_probe.accuracy(inputs, jnp.asarray(labels, dtype), masks(fold_of)[0])
        rows, counts, labels, fold_of = resample.distinct_draws(positions, labels, fold_of)
        return ridge_probe.bootstrap_accuracy(inputs, rows, jnp.asarray(counts, dtype), jnp.asarray(labels, dtype),
                                              masks(fold_of))
    m = len(language.rows)
    counts = np.stack([np.bincount(p, minlength=m) for p in positions])  # [R, m]
    fold_of_row = np.zeros((rows.shape[0], m), np.int64)
    np.put_along_axis(fold_of_row, positions, fold_of, axis=1)  # copies share their fold
    tests = masks(fold_of_row)
    if sample.shared:
        label_rows = np.empty_like(labels)
        label_rows[:, positions[0]] = labels
    else:
        label_rows = np.broadcast_to(language.y[language.rows], counts.shape)  # a draw keeps the labels
    return ridge_probe.primal_accuracy(inputs, jnp.asarray(label_rows, dtype), jnp.asarray(counts, dtype),
                                       jnp.asarray(tests))


def _paired_shift_features(sample: Sample) -> jax.Array:
    """‖Σ_p w_p s_p (x_t − x_n)‖ / Σ_p w_p / √tr Cov(X); w_p counts pair p's toxic row among the
    drawn rows and s_p = y′_t − y′_n is its sign under the labelling."""
    language, rows, labels, X = sample.language, sample.rows, sample.labels, sample.features
    pairs, n = language.pairs, len(language.y)
    diff = language.X[:, :, pairs[:, 0]] - language.X[:, :, pairs[:, 1]]  # [M, L, p, d]
    weight = np.stack([np.bincount(r, minlength=n)[pairs[:, 0]] for r in rows])
    if sample.shared:  # labellings of the language's own rows (estimate, permutations)
        position = np.empty(n, np.int64)
        position[rows[0]] = np.arange(rows.shape[1])
        sign = labels[:, position[pairs[:, 0]]] - labels[:, position[pairs[:, 1]]]
    else:  # bootstrap rows keep their own labels: every pair points toxic -> neutral
        sign = np.ones((rows.shape[0], len(pairs)))
    w = jnp.asarray(weight * sign, X.dtype)  # [R or B, p]
    mean_shift = jnp.einsum("bp,mlpd->mlbd", w, diff) / jnp.asarray(weight.sum(-1), X.dtype)[:, None]
    centred = X - X.mean(axis=-2, keepdims=True)
    spread = jnp.sum(centred * centred, axis=(-2, -1)) / (X.shape[-2] - 1)  # [M, L, R]
    return jnp.linalg.norm(mean_shift, axis=-1) / jnp.sqrt(spread)


@functools.cache
def gram_form(kind: str, k: int | None = None) -> Callable[[GramInputs], jax.Array]:
    """The Gram form of a metric kind: "evr" and "between" (top k PCs; between with k None: every
    feature), "bhattacharyya" (top k PCs), "fisher" (Ledoit–Wolf), "silhouette". One object per
    (kind, k), so a jitted call that takes it as a static argument compiles once."""
    forms = {"evr": _evr_gram, "between": _between_gram, "bhattacharyya": _bhattacharyya_gram}
    if kind in forms:
        return functools.partial(forms[kind], k=k)
    return {"fisher": _fisher_gram, "silhouette": _silhouette_gram}[kind]


# ---------------------------------------------------------------------------------------------
# Registry

_UNIT, _POSITIVE, _SIGNED = (0.0, 1.0), (0.0, np.inf), (-1.0, 1.0)

REGISTRY: dict[str, Metric] = {metric.name: metric for metric in (
    Metric("evr2", "explained variance ratio of the top 2 PCs (both classes pooled)", _UNIT, True,
           functools.partial(_evr_features, k=2), gram_form("evr", 2), debiased=True),
    Metric("between2", "between-class share of the variance on the top 2 PCs", _UNIT, False,
           functools.partial(_between_features, k=2), gram_form("between", 2)),
    Metric("between10", "between-class share of the variance on the top 10 PCs", _UNIT, False,
           functools.partial(_between_features, k=10), gram_form("between", 10)),
    Metric("fisher", "Fisher ratio ΔᵀΣ⁻¹Δ with Ledoit–Wolf shrinkage", _POSITIVE, False,
           _fisher_features, gram_form("fisher"), debiased=True, min_rows_per_feature=1.0),
    Metric("bhattacharyya", "Bhattacharyya distance of Gaussians on the top 10 PCs (NaN where a class"
           " has too few distinct rows for a nonsingular covariance)", _POSITIVE, False,
           _bhattacharyya_features, gram_form("bhattacharyya", TOP), debiased=True, min_rows_per_feature=1.0),
    Metric("silhouette", "mean euclidean silhouette of the two classes", _SIGNED, False,
           _silhouette_features, gram_form("silhouette")),
    Metric("probe", "group-folded cross-validated accuracy of a ridge probe on the language's"
           " standardised features (scikit-learn's RidgeClassifier; every replica refits it)", _UNIT, False,
           _probe_features, uses_folds=True, min_rows_per_feature=0.5, gathers_draws=False),
    Metric("paired_shift", "‖mean over pairs of (x_toxic − x_neutral)‖ / √(total variance of the"
           " language's rows): the average displacement in units of the layer's RMS spread", _POSITIVE, False,
           _paired_shift_features, needs_pairs=True, debiased=True),
)}

# The metrics computed when none are named: every one that needs no pairs.
DEFAULT_METRICS = tuple(name for name, metric in REGISTRY.items() if not metric.needs_pairs)


def checked(names) -> tuple[Metric, ...]:
    """The records of `names`: distinct names from `REGISTRY`, at least one."""
    names = tuple(names)
    if not names or len(set(names)) != len(names) or any(name not in REGISTRY for name in names):
        raise AlignscopeError(f"metrics={names!r} is not accepted; use distinct names from {tuple(REGISTRY)}")
    return tuple(REGISTRY[name] for name in names)
