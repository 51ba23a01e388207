"""Every separation metric of a layer from one pass over its activations (the Gram-first path).

Per layer: K = centred Gram `[n, n]` (one pass over `X: [n, d]`), its top `TOP` eigenpairs (one
solve), then for any number of labellings `Y: [R, n]` every metric from those two (see
`kernels.gram_metrics`). A permutation replica is a labelling: K and the eigenpairs are shared. A
bootstrap replica with drawn rows `idx: [m]` is `K[idx][:, idx]` re-centred and a warm-started
eigen solve: no pass over the features.

This is the cheaper path when n < d (n²d to form K against nd² for the d × d covariance), and
also for n ≥ d while n is small (`GRAM_PATH_MAX_ROWS`): a bootstrap replica is then an n × n gather
and a warm-started top-10 eigen solve, where the feature-space kernels of `kernels.separation`
re-gather `[n, d]`, refit a full PCA and factor the d × d within-class covariance. `kernels.analysis`
takes it wherever `gram_path_applies`; the numbers are the same either way (tested). A Fisher ratio whose conjugate-
gradient solve does not converge (λ = 0 with a singular within-class scatter) is NaN.
"""

import functools
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, eigen, gram, gram_metrics, separation
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette")
TOP = 10  # eigenpairs solved for: the most any metric reads (between10, bhattacharyya)
# Rows up to which the Gram path is taken even with n ≥ d; see BENCHMARKS.md for the timings.
GRAM_PATH_MAX_ROWS = 1024
# Elements of one [rows, n] distance block in silhouette (as kernels.separation).
SILHOUETTE_BLOCK_ELEMENTS = separation.SILHOUETTE_BLOCK_ELEMENTS


class LayerStatistics(NamedTuple):
    """Per layer: `gram` `[..., n, n]` centred Gram and `eig` its top eigenpairs."""

    gram: jax.Array
    eig: eigen.Eigenpairs


def gram_path_applies(n: int, d: int) -> bool:
    """Whether the Gram path is the cheaper one for n rows of d features: n < d, or n at most
    `GRAM_PATH_MAX_ROWS`."""
    return n < d or n <= GRAM_PATH_MAX_ROWS


@full_precision
def layer_statistics(X: jax.Array, k: int = TOP) -> LayerStatistics:
    """Centred Gram and its top-k eigenpairs (k capped at n − 1 and d) of `X: [..., n, d]`."""
    X = checks.features(X)
    n, d = X.shape[-2:]
    return _statistics(X, k=_top_k(k, n, d), tol=eigen.default_tolerance(X.dtype))


@full_precision
def metric_values(
    stats: LayerStatistics, Y: jax.Array, d: int, metrics: Sequence[str] = METRICS
) -> jax.Array:
    """`[..., R, len(metrics)]` metrics of each layer of `stats` under labellings `Y: [R, n]` (0/1),
    for `d` features; NaN where a metric is undefined (a singular class covariance, Fisher without
    shrinkage or an unconverged solve)."""
    metrics = _checked_metrics(metrics)
    Y = jnp.asarray(Y, stats.gram.dtype)
    return _values(stats, Y, d=d, metrics=metrics, tol=eigen.default_tolerance(Y.dtype))


@full_precision
def bootstrap_values(
    stats: LayerStatistics, idx: jax.Array, Y: jax.Array, d: int, metrics: Sequence[str] = METRICS
) -> jax.Array:
    """`[..., B, len(metrics)]` metrics of bootstrap replicas: rows `idx: [B, m]` of the layer
    whose statistics are `stats`, labelled `Y: [B, m]` (the drawn rows' labels). In the
    silhouette, the copies of one row in a draw count as one point (a row's own-class mean
    distance leaves them out), so duplicates do not pull replicas above the estimate."""
    metrics = _checked_metrics(metrics)
    Y = jnp.asarray(Y, stats.gram.dtype)
    return _replicas(stats, jnp.asarray(idx), Y, d=d, metrics=metrics,
                     tol=eigen.default_tolerance(Y.dtype))


def values_core(K, eig, Y, d, metrics, tol, copies=None):
    """Unchecked, unbatched `metric_values` of one layer: `[R, len(metrics)]`; `copies: [n]` for
    the silhouette of a bootstrap draw (see `gram_metrics.silhouette_blocks`)."""
    n = K.shape[0]
    k = eig.values.shape[0]
    c = gram_metrics.contrast(Y)
    R = Y.shape[0]
    columns = []
    for metric in metrics:
        if metric == "evr2":
            value = jnp.broadcast_to(
                gram_metrics.explained_variance_ratio(eig, K, min(2, k)), (R,))
        elif metric in ("between2", "between10"):
            value = gram_metrics.between_class(eig, c, min(2 if metric == "between2" else 10, k))
        elif metric == "bhattacharyya":
            Z = gram_metrics.scores(eig, k)
            distance, ok = jax.vmap(
                lambda y: separation._bhattacharyya_one(Z, y, k=None, method="exact"))(Y)
            value = jnp.where(ok, distance, jnp.nan)
        elif metric == "fisher":
            ratio, _, ok = gram_metrics.fisher_ledoit_wolf(K, eig, c, d, tol / 10)
            value = jnp.where(ok, ratio, jnp.nan)
        else:
            block = max(1, min(n, SILHOUETTE_BLOCK_ELEMENTS // n))
            value = gram_metrics.silhouette(K, Y, block, copies)
        columns.append(value)
    return jnp.stack(columns, axis=-1)


def replica_core(K, eig, idx, y, d, metrics, tol):
    """Metrics `[len(metrics)]` of one bootstrap replica (rows `idx: [m]`, labels `y: [m]`);
    in its silhouette, copies of one row are one point."""
    Kb = gram.gather_core(K, idx)
    eig_b = eigen.top_core(Kb, eig.values.shape[0], tol, init=eig.vectors[idx])
    copies = jnp.zeros(K.shape[0], K.dtype).at[idx].add(1.0)[idx]
    return values_core(Kb, eig_b, y[None], d, metrics, tol, copies)[0]


def _top_k(k, n, d) -> int:
    return checks.count(k, "k", 1, max(1, min(n - 1, d)))


def _checked_metrics(metrics) -> tuple[str, ...]:
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise AlignscopeError(f"metrics={metrics!r} is not accepted; use names from {METRICS}")
    return metrics


@functools.partial(jax.jit, static_argnames=("k", "tol"))
def _statistics(X, k, tol):
    def one(X):
        K = gram.gram_core(X)
        return LayerStatistics(gram=K, eig=eigen.top_core(K, k, tol))

    return over_leading(one, (X,), (2,), sequential=True)


def _over_layers(fn, stats, *args, core_ndims):
    """`fn(K, eig, *args)` over the leading (layer) axes of `stats`; `args` are shared."""
    leaves = (stats.gram, *stats.eig)
    ndims = (2, 1, 2, 0, 0, 0)

    def one(K, *rest):
        eig = eigen.Eigenpairs(*rest[:5])
        return fn(K, eig, *rest[5:])

    return over_leading(one, (*leaves, *args), (*ndims, *core_ndims), sequential=True)


@functools.partial(jax.jit, static_argnames=("d", "metrics", "tol"))
def _values(stats, Y, d, metrics, tol):
    core = functools.partial(values_core, d=d, metrics=metrics, tol=tol)
    return _over_layers(core, stats, Y, core_ndims=(2,))


@functools.partial(jax.jit, static_argnames=("d", "metrics", "tol"))
def _replicas(stats, idx, Y, d, metrics, tol):
    def per_layer(K, eig, idx, Y):
        return jax.lax.map(lambda a: replica_core(K, eig, a[0], a[1], d, metrics, tol), (idx, Y))

    return _over_layers(per_layer, stats, idx, Y, core_ndims=(2, 2))
