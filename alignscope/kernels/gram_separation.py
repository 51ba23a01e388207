"""Every separation metric of a layer from one pass over its activations (the Gram-first path).

Per layer: K = centred Gram `[n, n]` (one pass over `X: [n, d]`), its top `TOP` eigenpairs (one
solve), then for any number of labellings `Y: [R, n]` every metric with a Gram form from those
two (the forms are the records of `kernels.metrics.REGISTRY`, their algebra `kernels.gram_metrics`).
A permutation replica is a labelling: K and the eigenpairs are shared. A bootstrap replica is
its distinct rows' block of K, re-centred on the draw's mean and weighted by their copies
(C½ Kc C½, `replica_core`), and a warm-started eigen solve: no pass over the features.

This is the cheaper path when n < d (n²d to form K against nd² for the d × d covariance), and
also for n ≥ d while n is small (`GRAM_PATH_MAX_ROWS`): a bootstrap replica is then a gather of
its distinct rows' block and a warm-started top-10 eigen solve, where the feature forms
(`kernels.separation`) re-gather `[n, d]`, refit a full PCA and factor the d × d within-class covariance. `kernels.analysis` takes it
wherever `gram_path_applies`; the numbers are the same either way (tested). A Fisher ratio whose
conjugate-gradient solve does not converge (λ = 0 with a singular within-class scatter) is NaN.
"""

import functools
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, eigen, gram, gram_metrics, host_threads, metrics as registry, resample
from alignscope.kernels import separation
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision
from alignscope.kernels.samples import TOP, GramInputs

# Rows up to which the Gram path is taken even with n ≥ d; see BENCHMARKS.md for the timings.
GRAM_PATH_MAX_ROWS = 1024


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


def gram_metric_names() -> tuple[str, ...]:
    """The metrics of `kernels.metrics.REGISTRY` that have a Gram form, in registry order."""
    return tuple(name for name, metric in registry.REGISTRY.items() if metric.gram is not None)


@full_precision
def metric_values(
    stats: LayerStatistics, Y: jax.Array, d: int, metrics: Sequence[str] | None = None
) -> jax.Array:
    """`[..., R, len(metrics)]` metrics of each layer of `stats` under labellings `Y: [R, n]` (0/1),
    for `d` features; NaN where a metric is undefined (a singular class covariance, Fisher without
    shrinkage or an unconverged solve). `metrics`: names with a Gram form (default: all)."""
    chosen = forms(metrics)
    Y = jnp.asarray(Y, stats.gram.dtype)
    return _values(stats, Y, d=d, forms=chosen, tol=eigen.default_tolerance(Y.dtype))


@full_precision
def bootstrap_values(
    stats: LayerStatistics, idx: jax.Array, Y: jax.Array, d: int, metrics: Sequence[str] | None = None
) -> jax.Array:
    """`[..., B, len(metrics)]` metrics of bootstrap replicas: rows `idx: [B, m]` of the layer
    whose statistics are `stats`, labelled `Y: [B, m]` (the drawn rows' labels). In the
    silhouette, the copies of one row in a draw count as one point (a row's own-class mean
    distance leaves them out), so duplicates do not pull replicas above the estimate."""
    return _bootstrap(stats, idx, Y, d, forms(metrics))


def _bootstrap(stats, idx, Y, d, forms):
    """`bootstrap_values` of Gram forms, unchecked."""
    rows, copies, labels = resample.distinct_draws(np.asarray(idx), np.asarray(Y))
    dtype = stats.gram.dtype
    tol = eigen.default_tolerance(dtype)
    # Host arrays: over_threads slices them on the host.
    return host_threads.over_threads(
        lambda *draws: replica_values(stats, *draws, d=d, forms=forms, tol=tol),
        (rows, copies.astype(dtype), labels.astype(dtype)), out_axis=-2)


def public_route(metric: Callable, X: jax.Array, y: jax.Array, options: dict,
                 draws: bool = False) -> tuple[Callable, int] | None:
    """`(form, k)`: the Gram form that computes `metric(X, y, **options)`, a public metric of
    `kernels.separation`, from X's centred Gram and its top k eigenpairs; None where the Gram
    path does not apply (labels with leading axes of their own, `gram_path_applies` false) or
    the options ask for what the forms do not compute (a given PCA, an approximate PCA method,
    Bhattacharyya on all features, Fisher without Ledoit–Wolf shrinkage). With `draws` (for
    bootstrap draws of X), None for the silhouette: its Gram form counts a row's copies as one
    point, where `silhouette_score` of the drawn rows (scikit-learn's) counts each copy."""
    if metric not in _PUBLIC:
        return None
    n, d = np.shape(X)[-2:]
    if np.ndim(y) != 1 or not gram_path_applies(n, d):
        return None
    top = min(TOP, n - 1, d)
    exact_pca = options.get("pca") is None and options.get("method", "exact") == "exact"
    if metric is separation.between_class_variance_ratio and exact_pca:
        k = options.get("n_components")
        return registry.gram_form("between", k), 1 if k is None else k
    default = separation.BHATTACHARYYA_COMPONENTS
    if metric is separation.bhattacharyya_distance and exact_pca and options.get("n_components", default) is not None:
        k = options.get("n_components", default)
        return registry.gram_form("bhattacharyya", k), k
    if metric is separation.fisher_ratio and options.get("shrinkage") == "auto":
        return registry.gram_form("fisher"), top
    if metric is separation.silhouette_score and not draws:
        return registry.gram_form("silhouette"), 1
    return None


@full_precision
def public_value(X: jax.Array, y: jax.Array, form: Callable, k: int) -> jax.Array:
    """`[...]` the Gram `form` of each `X: [..., n, d]` under labels `y: [n]`, from its centred
    Gram and top-k eigenpairs (`public_route`); NaN where the form is undefined or the eigen
    solve did not converge."""
    stats = layer_statistics(X, k)
    values = _values(stats, jnp.asarray(y, X.dtype)[None], d=X.shape[-1], forms=(form,),
                     tol=eigen.default_tolerance(X.dtype))[..., 0, 0]
    return jnp.where(stats.eig.converged, values, jnp.nan)


@full_precision
def public_bootstrap(X: jax.Array, y: jax.Array, form: Callable, k: int, idx) -> jax.Array:
    """`[R, ...]` the Gram `form` (`public_route`) of the bootstrap draws `idx: [R, n]` of
    `X: [..., n, d]` labelled `y: [n]`: one centred Gram, each draw a gather of it."""
    y, idx = np.asarray(y), np.asarray(idx)
    replicas = _bootstrap(layer_statistics(X, k), idx, y[idx], X.shape[-1], (form,))[..., 0]
    return jnp.moveaxis(replicas, -1, 0)


def values_core(K, eig, Y, d, forms, tol, weights=None):
    """Unchecked, unbatched `metric_values` of one layer: `[R, len(forms)]`, each Gram form
    (`forms`, from `kernels.metrics`) on the same statistics; `weights: [n]` the copies of a
    bootstrap draw's distinct rows, with K = C½ Kc C½ and its eigenpairs (`kernels.gram_metrics`)."""
    inputs = GramInputs(gram=K, eig=eig, labels=Y, contrast=gram_metrics.contrast(Y, weights), features=d,
                        tol=tol, weights=weights)
    shape = (Y.shape[0],)
    return jnp.stack([jnp.broadcast_to(form(inputs), shape) for form in forms], axis=-1)


def replica_core(K, eig, rows, copies, y, d, forms, tol):
    """Metrics `[len(forms)]` of one bootstrap replica: its distinct rows `rows: [U]` taken
    `copies: [U]` times (0 for padding), labelled `y: [U]` (`resample.distinct_draws`). The
    draw's Gram is C½ Kc C½ over its distinct rows (Kc their Gram centred on the draw's mean),
    which has the nonzero eigenpairs of the m × m Gram with copies (`kernels.gram_metrics`):
    everything after the gather costs U², about 0.4 of m². In its silhouette, copies of one row
    are one point."""
    root = jnp.sqrt(copies)
    Kb = root[:, None] * gram.gather_core(K, rows, copies) * root[None, :]
    eig_b = eigen.top_core(Kb, eig.values.shape[0], tol, init=eig.vectors[rows] * root[:, None])
    return values_core(Kb, eig_b, y[None], d, forms, tol, copies)[0]


def _top_k(k, n, d) -> int:
    return checks.count(k, "k", 1, max(1, min(n - 1, d)))


# The public metrics of kernels.separation that `public_route` can route.
_PUBLIC = (separation.between_class_variance_ratio, separation.fisher_ratio, separation.bhattacharyya_distance,
           separation.silhouette_score)


def forms(metrics: Sequence[str] | None = None) -> tuple:
    """The Gram forms of the registry's `metrics` (names; default every one with a Gram form)."""
    if metrics is None:
        metrics = gram_metric_names()
    names = tuple(metric.name for metric in registry.checked(metrics))
    if any(registry.REGISTRY[name].gram is None for name in names):
        raise AlignscopeError(f"metrics={names!r} is not accepted; use names from {gram_metric_names()}")
    return tuple(registry.REGISTRY[name].gram for name in names)


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


@functools.partial(jax.jit, static_argnames=("d", "forms", "tol"))
def _values(stats, Y, d, forms, tol):
    core = functools.partial(values_core, d=d, forms=forms, tol=tol)
    return _over_layers(core, stats, Y, core_ndims=(2,))


@functools.partial(jax.jit, static_argnames=("d", "forms", "tol"))
def replica_values(stats: LayerStatistics, rows: jax.Array, copies: jax.Array, Y: jax.Array, d: int,
                   forms: tuple, tol: float) -> jax.Array:
    """Unchecked `bootstrap_values` of draws given as their distinct rows `rows: [B, U]`, copies
    `[B, U]` and labels `Y: [B, U]` (`resample.distinct_draws`; copies of a row share its label);
    `forms` Gram forms (`forms`), `tol` the eigen residual; jitted, for callers that checked their
    inputs once."""

    def per_layer(K, eig, rows, copies, Y):
        return jax.lax.map(lambda a: replica_core(K, eig, *a, d, forms, tol), (rows, copies, Y))

    return _over_layers(per_layer, stats, rows, copies, Y, core_ndims=(2, 2, 2))
