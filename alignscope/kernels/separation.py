"""How far apart two classes lie in `X: [..., n, d]`, labels `y: [..., n]` (1 harmful, 0 harmless).

Notation: Δ = μ1 − μ0 (class means); R = X − μ_{y_i} (within-class-centred rows); the pooled
within-class covariance Σ = RᵀR / (n − 2). Every metric is batched over leading axes and
invariant to translating X.

The public metric functions check their inputs. Where the analysis would take the Gram path
(one labelling `y: [n]`, and n < d or few rows: `gram_separation.public_route`) they compute
from X's centred Gram as it does, with the same numbers and speed; `resample.bootstrap` of them
does too. `*_batched` (jitted, over leading axes) and `*_core` (one problem) are the feature
forms' math unchecked, for `kernels.metrics`, which checks the inputs once for every metric and
replica.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, gram_metrics
from alignscope.kernels import pca as pca_kernels
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

# Elements of one [rows, n] distance block in silhouette_score (64 MiB in float32).
SILHOUETTE_BLOCK_ELEMENTS = 2**24
# Steps of iterative refinement after the LDA solve, each O(nd); three take the float32 Woodbury
# solve from ~1e-2 to ~1e-5 relative error at λ = 1e-4.
REFINEMENT_STEPS = 3
# Principal components `bhattacharyya_distance` works in by default.
BHATTACHARYYA_COMPONENTS = 10
# How far a precomputed PCA's mean may sit from X's own, relative to max |X|: float32 rounding of
# the mean is far below it, a fit of another layer, model or set of examples far above it.
MEAN_TOLERANCE = 1e-4


class LDA(NamedTuple):
    """The Fisher discriminant of two classes; leaves carry the caller's leading axes.

    Attributes:
      ratio: `[...]` ΔᵀΣ⁻¹Δ, the squared Mahalanobis distance between the class means (X units⁰).
      direction: `[..., d]` unit w ∝ Σ⁻¹Δ, oriented so that wᵀΔ > 0.
      shrinkage: `[...]` the λ used, in [0, 1].
    """

    ratio: jax.Array
    direction: jax.Array
    shrinkage: jax.Array


@full_precision
def between_class_variance_ratio(
    X: jax.Array,
    y: jax.Array,
    n_components: int | None = None,
    method: str = "exact",
    pca: pca_kernels.PCAFit | None = None,
) -> jax.Array:
    """`[...]` tr(PᵀS_B P) / tr(PᵀS_T P) in [0, 1].

    S_B = Σ_c n_c (μ_c − μ)(μ_c − μ)ᵀ, S_T = Σ_i (x_i − μ)(x_i − μ)ᵀ, and P the top `n_components`
    principal directions of X with both classes pooled (the identity when None), at most
    min(n − 1, d). `method`: the PCA path (see `kernels.pca.fit`); "exact" by default, since
    the top-k path only approximates P when the spectrum has no gap after k.
    `pca`: optionally a PCA of this same X, `kernels.pca.fit(X, K, method="exact")` with
    K ≥ `n_components`, whose top `n_components` directions are used as P instead of fitting
    again (`method` is then unused), so one fit serves every metric and every k of a layer.
    """
    X, y = _checked(X, y)
    k = _components(n_components, X)
    method = _method(method)
    gram_first = _gram_value(between_class_variance_ratio, X, y, n_components=k, method=method, pca=pca)
    if gram_first is not None:
        return gram_first
    components, mean = (None, None) if pca is None else _given_pcs(pca, X, k)
    return between_class_batched(X, y, k=k, method=method, components=components, mean=mean)


@full_precision
def lda(X: jax.Array, y: jax.Array, shrinkage: float | str | None = None) -> LDA:
    """Fisher ratio, LDA direction and shrinkage λ of `X: [..., n, d]`.

    `shrinkage`: None (λ = 0; needs n − 2 ≥ d and no constant or collinear feature, else Σ is
    singular and this raises), a λ in [0, 1], or "auto" (Ledoit–Wolf on the within-class-centred
    rows, as scikit-learn's `ledoit_wolf_shrinkage`).
    Σ is replaced by (1 − λ)Σ + λ (tr Σ / d) I. When n < d the solve is done in the n × n space.
    """
    X, y = _checked(X, y)
    n, d = X.shape[-2:]
    if shrinkage == "auto":
        return _solved(lda_batched(X, y, jnp.zeros((), X.dtype), auto=True))
    if shrinkage is None:
        shrinkage = 0.0
    if isinstance(shrinkage, str) or not 0.0 <= float(shrinkage) <= 1.0:
        raise AlignscopeError(
            f"shrinkage={shrinkage!r} is not accepted; use None, a number in [0, 1], or 'auto'"
        )
    if float(shrinkage) == 0.0 and n - 2 < d:
        raise AlignscopeError(
            f"unshrunk Fisher ratio needs n - 2 >= d but n={n}, d={d} (the within-class covariance"
            " is singular); use shrinkage='auto' or a shrinkage in (0, 1]"
        )
    return _solved(lda_batched(X, y, jnp.asarray(shrinkage, X.dtype), auto=False))


@full_precision
def fisher_ratio(X: jax.Array, y: jax.Array, shrinkage: float | str | None = None) -> jax.Array:
    """`[...]` ΔᵀΣ⁻¹Δ, the Fisher criterion of the optimal LDA direction; see `lda`."""
    if isinstance(shrinkage, str) and shrinkage == "auto":
        X, y = _checked(X, y)
        ratio = _gram_value(fisher_ratio, X, y, shrinkage="auto")
        if ratio is not None:
            return ratio
    return lda(X, y, shrinkage).ratio


@full_precision
def bhattacharyya_distance(
    X: jax.Array,
    y: jax.Array,
    n_components: int | None = BHATTACHARYYA_COMPONENTS,
    method: str = "exact",
    pca: pca_kernels.PCAFit | None = None,
) -> jax.Array:
    """`[...]` Bhattacharyya distance between Gaussians fitted to each class (ddof 1).

    Computed in the top-`n_components` PC space of X (both classes pooled; all d features when
    None): Δᵀ C⁻¹ Δ / 8 + ½ ln(det C / √(det C0 det C1)), C = (C0 + C1) / 2. `method` and `pca`
    (a precomputed exact PCA of this X): as in `between_class_variance_ratio`. A class
    covariance that is singular in that space (duplicate or collinear rows) is an error.
    """
    X, y = _checked(X, y)
    k = _components(n_components, X)
    method = _method(method)
    components, mean = (None, None) if pca is None else _given_pcs(pca, X, k)
    fewest = int(np.min(np.minimum(y.sum(-1), y.shape[-1] - y.sum(-1))))
    dims = X.shape[-1] if k is None else k
    if fewest <= dims:
        raise AlignscopeError(
            f"a class has {fewest} examples but its covariance in {dims} dimensions needs more than"
            f" {dims}; lower n_components or add examples"
        )
    distance = _gram_value(bhattacharyya_distance, X, y, n_components=k, method=method, pca=pca)
    if distance is not None:
        return distance
    distance, ok = bhattacharyya_batched(X, y, k=k, method=method, components=components, mean=mean)
    if not bool(ok.all()):
        raise AlignscopeError(
            f"a class covariance in the top-{dims} PC space is singular (duplicate or collinear"
            " examples); lower n_components"
        )
    return distance


@full_precision
def silhouette_score(X: jax.Array, y: jax.Array) -> jax.Array:
    """`[...]` mean silhouette coefficient (euclidean) of the two classes, in [-1, 1].

    Same numbers as scikit-learn's `silhouette_score`; distances are formed in row blocks of at
    most `SILHOUETTE_BLOCK_ELEMENTS`, so n = 20,000 fits in memory.
    """
    X, y = _checked(X, y)
    gram_first = _gram_value(silhouette_score, X, y)
    if gram_first is not None:
        return gram_first
    return silhouette_batched(X, y, block=silhouette_block(X.shape[-2]))


def silhouette_block(n: int) -> int:
    """Rows per distance block for n points: `SILHOUETTE_BLOCK_ELEMENTS` // n, in [1, n]."""
    return max(1, min(n, SILHOUETTE_BLOCK_ELEMENTS // n))


@full_precision
def mean_difference_direction(X: jax.Array, y: jax.Array) -> jax.Array:
    """`[..., d]` unit Δ / ‖Δ‖, the "refusal direction" of Arditi et al. (2024)."""
    X, y = _checked(X, y)
    direction, degenerate = _mean_difference(X, y)
    if bool(degenerate.any()):
        raise AlignscopeError("the two class means coincide, so their difference has no direction")
    return direction


@full_precision
def direction_cosine(u: jax.Array, v: jax.Array) -> jax.Array:
    """`[...]` cosine of directions `u: [..., d]` and `v: [..., d]`; leading axes broadcast."""
    u = checks.features(u, "u", min_ndim=1)
    v = checks.features(v, "v", min_ndim=1)
    if u.shape[-1] != v.shape[-1]:
        raise AlignscopeError(
            f"u has {u.shape[-1]} features and v has {v.shape[-1]}; directions must share d"
        )
    cosine = _cosine(u, v)
    if not bool(jnp.isfinite(cosine).all()):
        raise AlignscopeError("a direction is the zero vector; its cosine is undefined")
    return cosine


def _gram_value(metric, X, y, **options) -> jax.Array | None:
    """`metric(X, y, **options)` by the Gram path (`gram_separation.public_route`), or None where
    it does not apply or a value is not finite (a singular covariance, an unconverged solve):
    the feature path then gives its value or its error."""
    from alignscope.kernels import gram_separation  # it imports this module

    route = gram_separation.public_route(metric, X, y, options)
    if route is None:
        return None
    value = gram_separation.public_value(X, y, *route)
    return value if bool(jnp.isfinite(value).all()) else None


def _checked(X, y) -> tuple[jax.Array, jax.Array]:
    X = checks.features(X)
    return X, checks.labels(y, X)


def _components(n_components, X) -> int | None:
    if n_components is None:
        return None
    n, d = X.shape[-2:]
    why = pca_kernels.RANK_LIMIT.format(n=n, d=d)
    return checks.count(n_components, "n_components", 1, min(n - 1, d), why=why)


def _method(method) -> str:
    if method not in pca_kernels.METHODS:
        raise AlignscopeError(
            f"PCA method {method!r} is not accepted; use one of {pca_kernels.METHODS}"
        )
    return method


def _given_pcs(fit, X, k) -> tuple[jax.Array, jax.Array]:
    """Components `[..., K, d]` and mean `[..., d]` of a caller's PCA fit of X, checked to be a
    fit of X with at least k components. Only the means can be compared with X's own (O(nd));
    a fit of other data with the same mean, or a randomized fit, is the caller's mistake."""
    if k is None:
        raise AlignscopeError(
            "pca= was given but n_components=None (all d features, no PCA); pass n_components"
        )
    if not isinstance(fit, pca_kernels.PCAFit) or fit.components is None:
        raise AlignscopeError(
            "pca= must be a kernels.pca.PCAFit with components, from kernels.pca.fit(X, k,"
            f' method="exact"); got {type(fit).__name__}'
        )
    components = checks.features(fit.components, "pca.components")
    mean = checks.features(fit.mean, "pca.mean", min_ndim=1)
    lead, d = X.shape[:-2], X.shape[-1]
    if components.shape[:-2] != lead or components.shape[-1] != d or mean.shape != lead + (d,):
        raise AlignscopeError(
            f"pca= has components of shape {components.shape} and mean of shape {mean.shape} but"
            f" X has shape {X.shape}; pass a fit of this X, components [..., K, d] and mean"
            " [..., d] with X's leading axes and d"
        )
    if components.shape[-2] < k:
        raise AlignscopeError(
            f"pca= has {components.shape[-2]} components but n_components={k}; fit at least"
            f" {k} components"
        )
    scale = jnp.maximum(jnp.max(jnp.abs(X)), jnp.finfo(X.dtype).tiny)
    if not bool(jnp.max(jnp.abs(mean - X.mean(axis=-2))) <= MEAN_TOLERANCE * scale):
        raise AlignscopeError(
            "pca= has a mean that differs from X's; pass a fit of this same X (same layer,"
            " model and examples)"
        )
    return components, mean


def _solved(result):
    """The LDA of `lda_batched`, once its per-problem factorisation flags are all good."""
    fitted, ok = result
    if not bool(ok.all()):
        raise AlignscopeError(
            "the within-class covariance is singular (a constant or collinear feature); use"
            " shrinkage='auto' or a shrinkage in (0, 1]"
        )
    return fitted


def _factor(A):
    """Cholesky factor of symmetric positive semi-definite `A: [m, m]`, and whether A is
    numerically nonsingular: a finite factor whose smallest pivot L_ii² exceeds m·eps times the
    largest."""
    L = jnp.linalg.cholesky(A)
    pivots = jnp.diagonal(L) ** 2
    eps = jnp.finfo(A.dtype).eps
    ok = jnp.all(jnp.isfinite(L)) & (jnp.min(pivots) > A.shape[0] * eps * jnp.max(pivots))
    return L, ok


def _class_stats(X, y, weights=None):
    """Class sizes `(n0, n1)` and means `(μ0, μ1): [d]` from 0./1. labels, rows weighted by
    `weights: [n]` (default 1)."""
    ones = jnp.ones_like(y) if weights is None else weights
    n1 = (y * ones).sum()
    n0 = ones.sum() - n1
    mu1 = ((y * ones) @ X) / n1
    mu0 = (((1.0 - y) * ones) @ X) / n0
    return n0, n1, mu0, mu1


def _top_pcs(X, k, method, components=None, mean=None):
    """X projected on its own top-k principal directions, `[n, k]`; X itself when k is None.
    The directions are the first k rows of `components: [K, d]` (centred by `mean: [d]`) when
    given, else fitted here."""
    if k is None:
        return X
    if components is None:
        fit = pca_kernels.fit_core(X, k, method=method)
        components, mean = fit.components, fit.mean
    return (X - mean) @ components[:k].T


def _over_layers(core, X, y, components, mean):
    """`core(X, y[, components, mean])` over the leading axes; the fit's only when given."""
    if components is None:
        return over_leading(core, (X, y), (2, 1))
    return over_leading(core, (X, y, components, mean), (2, 1, 2, 1))


def _between_class_one(X, y, components=None, mean=None, *, k, method):
    Z = _top_pcs(X, k, method, components, mean)
    Z = Z - Z.mean(axis=0)
    n0, n1, mu0, mu1 = _class_stats(Z, y)
    between = n0 * jnp.sum(mu0 * mu0) + n1 * jnp.sum(mu1 * mu1)
    return between / jnp.sum(Z * Z)


@functools.partial(jax.jit, static_argnames=("k", "method"))
def between_class_batched(X, y, k, method, components=None, mean=None):
    """Unchecked `[...]` between-class share over the leading axes of `X: [..., n, d]` (labels
    `y: [..., n]` of 0./1. broadcast with them), on the top-`k` PCs (`components: [..., K, d]`
    and `mean: [..., d]` of a fit of X when given, else fitted by `method`); jitted, for callers
    that checked their inputs once."""
    core = functools.partial(_between_class_one, k=k, method=method)
    return _over_layers(core, X, y, components, mean)


def _ledoit_wolf(R):
    """scikit-learn's `ledoit_wolf_shrinkage(R)` for centred rows `R: [n, d]`, without d x d."""
    n, d = R.shape
    row_sq = jnp.sum(R * R, axis=1)
    mu = jnp.sum(row_sq) / (n * d)
    small = R @ R.T if n < d else R.T @ R
    delta_ = jnp.sum(small * small) / n**2
    beta = (jnp.sum(row_sq * row_sq) / n - delta_) / (d * n)
    delta = (delta_ - 2.0 * mu * jnp.sum(row_sq) / n + d * mu**2) / d
    beta = jnp.minimum(beta, delta)
    return jnp.where(beta == 0, 0.0, beta / jnp.where(delta == 0, 1.0, delta))


def _lda_one(X, y, shrinkage, auto):
    n, d = X.shape
    n0, n1, mu0, mu1 = _class_stats(X, y)
    delta = mu1 - mu0
    R = X - jnp.where(y[:, None] > 0, mu1, mu0)
    lam = _ledoit_wolf(R) if auto else shrinkage
    a = lam * jnp.sum(R * R) / ((n - 2) * d)  # λ tr(Σ)/d, the ridge on the identity
    b = (1.0 - lam) / (n - 2)  # weight on RᵀR
    if n < d:
        # Woodbury: (aI + b RᵀR)⁻¹r = (r − b Rᵀ (aI_n + b RRᵀ)⁻¹ Rr) / a, with a > 0 here.
        L, nonsingular = _factor(a * jnp.eye(n, dtype=X.dtype) + b * (R @ R.T))

        def solve(r):
            return (r - b * R.T @ jax.scipy.linalg.cho_solve((L, True), R @ r)) / a

    else:
        L, nonsingular = _factor(a * jnp.eye(d, dtype=X.dtype) + b * (R.T @ R))

        def solve(r):
            return jax.scipy.linalg.cho_solve((L, True), r)

    # A shrunk Σ (a > 0) is positive definite by construction, so only a non-finite factor is an
    # error; small pivots are then ill-conditioning, which the refinement below handles. Unshrunk,
    # a tiny pivot means Σ is singular (a constant or collinear feature).
    ok = jnp.all(jnp.isfinite(L)) & ((a > 0) | nonsingular)
    v = solve(delta)
    # Iterative refinement, O(nd) a step: the Woodbury form cancels (r − b Rᵀ(...)) and loses
    # digits in float32 when λ is small; a few steps on the residual recover them.
    for _ in range(REFINEMENT_STEPS):
        v = v - solve(a * v + b * (R.T @ (R @ v)) - delta)
    fitted = LDA(ratio=delta @ v, direction=v / jnp.linalg.norm(v), shrinkage=lam)
    return fitted, ok & jnp.isfinite(fitted.ratio)  # Woodbury with a = 0 (λ = 0) divides by 0


@functools.partial(jax.jit, static_argnames=("auto",))
def lda_batched(X, y, shrinkage, auto):
    """Unchecked `(LDA [...], ok [...])` over the leading axes of `X: [..., n, d]`: shrinkage λ
    (or Ledoit–Wolf's where `auto`); ok is False where Σ is singular. Jitted, for callers that
    checked their inputs once."""
    core = functools.partial(_lda_one, shrinkage=shrinkage, auto=auto)
    return over_leading(core, (X, y), (2, 1))


def _gaussian_logdet(C):
    """log det of a symmetric positive-definite C, its Cholesky factor, and whether C is
    numerically nonsingular (see `_factor`)."""
    L, ok = _factor(C)
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(L))), L, ok


def bhattacharyya_core(X, y, components=None, mean=None, *, k, method, weights=None):
    """Unchecked, unbatched `(distance [], ok [])` of one `X: [n, d]`, `y: [n]` on its top-k PCs
    (all of X when k is None), rows weighted by `weights: [n]` (default 1: a row standing for
    that many identical rows); ok is False where a class covariance is singular."""
    Z = _top_pcs(X, k, method, components, mean)
    Z = Z - Z.mean(axis=0)
    n0, n1, mu0, mu1 = _class_stats(Z, y, weights)
    root = 1.0 if weights is None else jnp.sqrt(weights)[:, None]
    R1 = (Z - mu1) * (y[:, None] * root)
    R0 = (Z - mu0) * ((1.0 - y)[:, None] * root)
    C1 = R1.T @ R1 / (n1 - 1)
    C0 = R0.T @ R0 / (n0 - 1)
    logdet, L, ok = _gaussian_logdet((C0 + C1) / 2)
    solved = jax.scipy.linalg.solve_triangular(L, mu1 - mu0, lower=True)
    logdet0, _, ok0 = _gaussian_logdet(C0)
    logdet1, _, ok1 = _gaussian_logdet(C1)
    distance = solved @ solved / 8 + 0.5 * (logdet - 0.5 * (logdet0 + logdet1))
    return distance, ok & ok0 & ok1


@functools.partial(jax.jit, static_argnames=("k", "method"))
def bhattacharyya_batched(X, y, k, method, components=None, mean=None):
    """Unchecked `bhattacharyya_core` over the leading axes of `X: [..., n, d]` (arguments as in
    `between_class_batched`); jitted, for callers that checked their inputs once."""
    core = functools.partial(bhattacharyya_core, k=k, method=method)
    return _over_layers(core, X, y, components, mean)


def silhouette_core(X, Y, block, weights=None):
    """Unchecked, unbatched `[R]` silhouette of one `X: [n, d]` under each labelling `Y: [R, n]`;
    distances are formed once per row block of `block` rows and shared by every labelling.
    `weights: [n]`: row i stands for that many identical rows, one point (a bootstrap draw's
    distinct rows, see `gram_metrics.silhouette_blocks`)."""
    X = X - X.mean(axis=0)

    def cross(first, size):
        return jax.lax.dynamic_slice_in_dim(X, first, size) @ X.T

    return gram_metrics.silhouette_blocks(cross, jnp.sum(X * X, axis=1), Y, block, weights)


@functools.partial(jax.jit, static_argnames=("block",))
def silhouette_batched(X, y, block):
    """Unchecked `[...]` silhouette over the broadcast leading axes of `X: [..., n, d]` and
    `y: [..., n]`; jitted, for callers that checked their inputs once. Leading axes along which
    only the labels vary (a permutation null, several labellings of one layer) are folded into
    the labelling axis R of `silhouette_core`, so X's distances are computed once for all of
    them; the other leading axes are looped over."""
    n, d = X.shape[-2:]
    shape = np.broadcast_shapes(X.shape[:-2], y.shape[:-1])
    x_lead = (1,) * (len(shape) - X.ndim + 2) + X.shape[:-2]
    y_lead = (1,) * (len(shape) - y.ndim + 1) + y.shape[:-1]
    labels_only = [i for i, (a, full) in enumerate(zip(x_lead, shape)) if a == 1 and full > 1]
    rest = [i for i in range(len(shape)) if i not in labels_only]
    X = X.reshape(tuple(x_lead[i] for i in rest) + (n, d))
    y = jnp.broadcast_to(y.reshape(y_lead + (n,)), shape + (n,))
    y = jnp.transpose(y, rest + labels_only + [len(shape)])
    y = y.reshape(tuple(shape[i] for i in rest) + (-1, n))
    core = functools.partial(silhouette_core, block=block)
    out = over_leading(core, (X, y), (2, 2), sequential=True)
    out = out.reshape(tuple(shape[i] for i in rest) + tuple(shape[i] for i in labels_only))
    return jnp.transpose(out, np.argsort(rest + labels_only))


@functools.partial(jax.jit, static_argnames=("block",))
def silhouette_weighted_batched(X, y, weights, block):
    """Unchecked `[...]` silhouette over the leading axes of `X: [..., n, d]`, `y: [..., n]`, where
    row i stands for `weights[..., i]` identical rows (a bootstrap draw's distinct rows and their
    copies) that are one point: its own-class mean distance leaves them all out, so duplicates do
    not pull a replica above the estimate."""

    def core(X, y, weights):
        return silhouette_core(X, y[None], block, weights)[0]

    return over_leading(core, (X, y, weights), (2, 1, 1), sequential=True)


def _mean_difference_one(X, y):
    """Unit Δ `[d]`, and whether ‖Δ‖ is within rounding error of zero."""
    _, _, mu0, mu1 = _class_stats(X, y)
    delta = mu1 - mu0
    norm = jnp.linalg.norm(delta)
    rounding = 16 * jnp.finfo(X.dtype).eps * jnp.sqrt(X.shape[1]) * jnp.max(jnp.abs(X))
    return delta / norm, norm <= rounding


@jax.jit
def _mean_difference(X, y):
    return over_leading(_mean_difference_one, (X, y), (2, 1))


@jax.jit
def _cosine(u, v):
    return jnp.sum(u * v, axis=-1) / (jnp.linalg.norm(u, axis=-1) * jnp.linalg.norm(v, axis=-1))
