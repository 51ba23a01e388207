"""How far apart two classes lie in `X: [..., n, d]`, labels `y: [..., n]` (1 harmful, 0 harmless).

Notation: Δ = μ1 − μ0 (class means); R = X − μ_{y_i} (within-class-centred rows); the pooled
within-class covariance Σ = RᵀR / (n − 2). Every metric is batched over leading axes and
invariant to translating X.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from kernels import checks, pca
from kernels.leading_axes import over_leading
from kernels.precision import full_precision

# Elements of one [rows, n] distance block in silhouette_score (64 MiB in float32).
SILHOUETTE_BLOCK_ELEMENTS = 2**24


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
    X: jax.Array, y: jax.Array, n_components: int | None = None
) -> jax.Array:
    """`[...]` tr(PᵀS_B P) / tr(PᵀS_T P) in [0, 1].

    S_B = Σ_c n_c (μ_c − μ)(μ_c − μ)ᵀ, S_T = Σ_i (x_i − μ)(x_i − μ)ᵀ, and P the top `n_components`
    principal directions of X with both classes pooled (the identity when None).
    """
    X, y = _checked(X, y)
    k = _components(n_components, X)
    return _between_class(X, y, k=k)


@full_precision
def lda(X: jax.Array, y: jax.Array, shrinkage: float | str | None = None) -> LDA:
    """Fisher ratio, LDA direction and shrinkage λ of `X: [..., n, d]`.

    `shrinkage`: None (λ = 0; needs n − 2 ≥ d, else Σ is singular), a λ in [0, 1], or "auto"
    (Ledoit–Wolf on the within-class-centred rows, as scikit-learn's `ledoit_wolf_shrinkage`).
    Σ is replaced by (1 − λ)Σ + λ (tr Σ / d) I. When n < d the solve is done in the n × n space.
    """
    X, y = _checked(X, y)
    n, d = X.shape[-2:]
    if shrinkage == "auto":
        return _lda(X, y, jnp.zeros((), X.dtype), auto=True)
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
    return _lda(X, y, jnp.asarray(shrinkage, X.dtype), auto=False)


@full_precision
def fisher_ratio(X: jax.Array, y: jax.Array, shrinkage: float | str | None = None) -> jax.Array:
    """`[...]` ΔᵀΣ⁻¹Δ, the Fisher criterion of the optimal LDA direction; see `lda`."""
    return lda(X, y, shrinkage).ratio


@full_precision
def bhattacharyya_distance(X: jax.Array, y: jax.Array, n_components: int | None = 10) -> jax.Array:
    """`[...]` Bhattacharyya distance between Gaussians fitted to each class (ddof 1).

    Computed in the top-`n_components` PC space of X (both classes pooled; all d features when
    None): Δᵀ C⁻¹ Δ / 8 + ½ ln(det C / √(det C0 det C1)), C = (C0 + C1) / 2.
    """
    X, y = _checked(X, y)
    k = _components(n_components, X)
    fewest = int(np.min(np.minimum(y.sum(-1), y.shape[-1] - y.sum(-1))))
    dims = X.shape[-1] if k is None else k
    if fewest <= dims:
        raise AlignscopeError(
            f"a class has {fewest} examples but its covariance in {dims} dimensions needs more than"
            f" {dims}; lower n_components or add examples"
        )
    return _bhattacharyya(X, y, k=k)


@full_precision
def silhouette_score(X: jax.Array, y: jax.Array) -> jax.Array:
    """`[...]` mean silhouette coefficient (euclidean) of the two classes, in [-1, 1].

    Same numbers as scikit-learn's `silhouette_score`; distances are formed in row blocks of at
    most `SILHOUETTE_BLOCK_ELEMENTS`, so n = 20,000 fits in memory.
    """
    X, y = _checked(X, y)
    n = X.shape[-2]
    block = max(1, min(n, SILHOUETTE_BLOCK_ELEMENTS // n))
    return _silhouette(X, y, block=block)


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


def _checked(X, y) -> tuple[jax.Array, jax.Array]:
    X = checks.features(X)
    return X, checks.labels(y, X)


def _components(n_components, X) -> int | None:
    if n_components is None:
        return None
    return checks.count(n_components, "n_components", 1, min(X.shape[-2:]))


def _class_stats(X, y):
    """Class sizes `(n0, n1)` and means `(μ0, μ1): [d]` from 0./1. labels."""
    n1 = y.sum()
    n0 = y.shape[0] - n1
    mu1 = (y @ X) / n1
    mu0 = ((1.0 - y) @ X) / n0
    return n0, n1, mu0, mu1


def _top_pcs(X, k):
    """X projected on its own top-k principal directions, `[n, k]`; X itself when k is None."""
    if k is None:
        return X
    fit = pca.fit_core(X, k)
    return (X - fit.mean) @ fit.components.T


def _between_class_one(X, y, k):
    Z = _top_pcs(X, k)
    Z = Z - Z.mean(axis=0)
    n0, n1, mu0, mu1 = _class_stats(Z, y)
    between = n0 * jnp.sum(mu0 * mu0) + n1 * jnp.sum(mu1 * mu1)
    return between / jnp.sum(Z * Z)


@functools.partial(jax.jit, static_argnames=("k",))
def _between_class(X, y, k):
    return over_leading(functools.partial(_between_class_one, k=k), (X, y), (2, 1))


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
        # Woodbury: (aI + b RᵀR)⁻¹Δ = (Δ − b Rᵀ (aI_n + b RRᵀ)⁻¹ RΔ) / a, with a > 0 here.
        inner = a * jnp.eye(n, dtype=X.dtype) + b * (R @ R.T)
        v = (delta - b * R.T @ jax.scipy.linalg.solve(inner, R @ delta, assume_a="pos")) / a
    else:
        sigma = a * jnp.eye(d, dtype=X.dtype) + b * (R.T @ R)
        v = jax.scipy.linalg.solve(sigma, delta, assume_a="pos")
    return LDA(ratio=delta @ v, direction=v / jnp.linalg.norm(v), shrinkage=lam)


@functools.partial(jax.jit, static_argnames=("auto",))
def _lda(X, y, shrinkage, auto):
    core = functools.partial(_lda_one, shrinkage=shrinkage, auto=auto)
    return over_leading(core, (X, y), (2, 1))


def _gaussian_logdet(C):
    """log det of a symmetric positive-definite C, and its Cholesky factor."""
    L = jnp.linalg.cholesky(C)
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(L))), L


def _bhattacharyya_one(X, y, k):
    Z = _top_pcs(X, k)
    Z = Z - Z.mean(axis=0)
    n0, n1, mu0, mu1 = _class_stats(Z, y)
    R1 = (Z - mu1) * y[:, None]
    R0 = (Z - mu0) * (1.0 - y)[:, None]
    C1 = R1.T @ R1 / (n1 - 1)
    C0 = R0.T @ R0 / (n0 - 1)
    logdet, L = _gaussian_logdet((C0 + C1) / 2)
    solved = jax.scipy.linalg.solve_triangular(L, mu1 - mu0, lower=True)
    logdet0, _ = _gaussian_logdet(C0)
    logdet1, _ = _gaussian_logdet(C1)
    return solved @ solved / 8 + 0.5 * (logdet - 0.5 * (logdet0 + logdet1))


@functools.partial(jax.jit, static_argnames=("k",))
def _bhattacharyya(X, y, k):
    return over_leading(functools.partial(_bhattacharyya_one, k=k), (X, y), (2, 1))


def _silhouette_one(X, y, block):
    n = X.shape[0]
    X = X - X.mean(axis=0)
    sq = jnp.sum(X * X, axis=1)
    n0, n1, _, _ = _class_stats(X, y)

    def rows(start):
        # The last block is shifted back to end at n; rows already scored get weight 0.
        first = jnp.minimum(start, n - block)
        idx = first + jnp.arange(block)
        Xb = jax.lax.dynamic_slice_in_dim(X, first, block)
        d2 = sq[idx, None] + sq[None, :] - 2.0 * Xb @ X.T
        dist = jnp.sqrt(jnp.maximum(d2, 0.0))
        dist = jnp.where(idx[:, None] == jnp.arange(n)[None, :], 0.0, dist)
        to1 = dist @ y
        to0 = jnp.sum(dist, axis=1) - to1
        yb = y[idx]
        own = jnp.where(yb > 0, to1 / (n1 - 1), to0 / (n0 - 1))
        other = jnp.where(yb > 0, to0 / n0, to1 / n1)
        s = (other - own) / jnp.maximum(own, other)
        s = jnp.where(jnp.maximum(own, other) > 0, s, 0.0)
        return jnp.sum(jnp.where(idx >= start, s, 0.0))

    starts = jnp.arange(0, n, block)
    return jnp.sum(jax.lax.map(rows, starts)) / n


@functools.partial(jax.jit, static_argnames=("block",))
def _silhouette(X, y, block):
    core = functools.partial(_silhouette_one, block=block)
    return over_leading(core, (X, y), (2, 1), sequential=True)


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
