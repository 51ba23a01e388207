"""Principal components of `X: [..., n, d]`, batched over leading axes; numbers match scikit-learn.

Two paths, chosen by shape: an exact one (eigh of the d x d scatter, or of the n x n Gram matrix
when n < d, which is the SVD of the centred data) and a top-k one when only a few of many
components are read and min(n, d) > `eigen.EXACT_BELOW`: block subspace iteration from a random
start (as scikit-learn's `randomized_svd`, Halko et al. 2011) that never forms either matrix. It
takes at least scikit-learn's 7 power iterations and then runs on until every top-k pair meets
`kernels.eigen`'s residual tolerance (at most `eigen.MAX_STEPS` steps): a spectrum without a gap
after k needs many steps (235 for the top 2 of isotropic 2,000 x 4,096 data, 0.56 s), where a
fixed count returns errors of 5%.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, eigen
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

METHODS = ("auto", "exact", "randomized")
# Subspace steps the top-k path takes at least, as many as scikit-learn's `randomized_svd` power
# iterations: the residual test, relative to the largest eigenvalue, cannot see components
# thousands of times smaller (a few massive dimensions), which these steps still refine.
MIN_STEPS = 7
# Centred X has rank at most min(n - 1, d): components past that are arbitrary, so k stops there.
RANK_LIMIT = "centred X with n={n}, d={d} has at most min(n - 1, d) nonzero components"


class PCAFit(NamedTuple):
    """A fitted PCA; leaves carry the caller's leading axes.

    Attributes:
      components: `[..., k, d]` unit principal directions, rows ordered by variance; each row's
        largest-magnitude entry is positive (scikit-learn's sign convention).
      explained_variance: `[..., k]` variance along each direction (ddof 1), in X's units squared.
      explained_variance_ratio: `[..., k]` fraction of the total variance, in [0, 1].
      mean: `[..., d]` the per-feature mean that was subtracted.
    """

    components: jax.Array | None
    explained_variance: jax.Array
    explained_variance_ratio: jax.Array
    mean: jax.Array


@full_precision
def fit(X: jax.Array, k: int, method: str = "auto") -> PCAFit:
    """Top-`k` principal components of `X: [..., n, d]` (scikit-learn `PCA(n_components=k)`).

    k is at most min(n − 1, d), the largest rank centred X can have. Past the numerical rank of
    centred X (duplicated rows, say) the components are unit directions orthogonal to X's rows,
    with no variance.
    `method`: "exact", "randomized", or "auto" (randomized when k is small next to min(n, d)).
    """
    X, k = _checked(X, k, method)
    return fit_batched(X, k=k, method=method, with_components=True)


@full_precision
def explained_variance_ratio(X: jax.Array, k: int, method: str = "auto") -> jax.Array:
    """`[..., k]` fractions of total variance on the top-`k` components of `X: [..., n, d]`."""
    X, k = _checked(X, k, method)
    return fit_batched(X, k=k, method=method, with_components=False).explained_variance_ratio


@full_precision
def project(X: jax.Array, pca: PCAFit) -> jax.Array:
    """`[..., n, k]` coordinates of `X: [..., n, d]` on the fitted components (for 2-D plots)."""
    X = checks.features(X)
    if pca.components is None or X.shape[-1] != pca.components.shape[-1]:
        raise AlignscopeError(
            f"X has {X.shape[-1]} features but the PCA fit expects"
            f" {None if pca.components is None else pca.components.shape[-1]}; pass a fit from"
            " kernels.pca.fit on data with the same features"
        )
    return _project(X, pca.components, pca.mean)


def fit_core(X: jax.Array, k: int, method: str = "auto", with_components: bool = True) -> PCAFit:
    """Unchecked, unbatched `fit` on one `X: [n, d]`, for use inside other jitted kernels."""
    n, d = X.shape
    if method == "auto":
        method = "randomized" if 32 * (k + eigen.OVERSAMPLE) <= min(n, d) else "exact"
    mean = X.mean(axis=0)
    Xc = X - mean
    s2, V = (_randomized if method == "randomized" else _exact)(Xc, k, with_components)
    total = jnp.sum(Xc * Xc)
    return PCAFit(
        components=None if V is None else _flip_signs(V.T),
        explained_variance=s2 / (n - 1),
        explained_variance_ratio=s2 / total,
        mean=mean,
    )


def _checked(X, k, method) -> tuple[jax.Array, int]:
    if method not in METHODS:
        raise AlignscopeError(f"PCA method {method!r} is not accepted; use one of {METHODS}")
    X = checks.features(X)
    n, d = X.shape[-2:]
    if n < 2:
        raise AlignscopeError(f"PCA needs at least 2 examples; X has shape {X.shape}")
    return X, checks.count(k, "k", 1, min(n - 1, d), why=RANK_LIMIT.format(n=n, d=d))


@functools.partial(jax.jit, static_argnames=("k", "method", "with_components"))
def fit_batched(X: jax.Array, k: int, method: str, with_components: bool) -> PCAFit:
    """Unchecked `fit_core` over the leading axes of `X: [..., n, d]`, jitted, for kernels that
    checked their inputs once (`kernels.samples`)."""
    core = functools.partial(fit_core, k=k, method=method, with_components=with_components)
    return over_leading(core, (X,), (2,))


@jax.jit
def _project(X, components, mean):
    return jnp.einsum("...nd,...kd->...nk", X - mean[..., None, :], components)


def _top(values, vectors, k):
    """The k largest eigenpairs of an ascending `eigh`, largest first."""
    values = jnp.maximum(values[::-1][:k], 0.0)
    return values, None if vectors is None else vectors[:, ::-1][:, :k]


def _from_left(A, U):
    """Right singular vectors `[d, k]` of A from its left ones `U: [n, k]`: Aᵀ U, orthonormalised
    in order.

    Above rounding, a column is the normalised Aᵀu (orthonormalising moves it by rounding only).
    Past the numerical rank of A, Aᵀu is rounding noise lying partly inside A's row space, which
    every projection on it would count again; orthonormalised against the earlier columns, which
    span that space, it becomes a unit direction orthogonal to A's rows, as in an SVD."""
    Q, R = jnp.linalg.qr(_t_thin(A, U))
    return Q * jnp.where(jnp.diagonal(R) < 0, -1.0, 1.0).astype(Q.dtype)


def _exact(Xc, k, with_components):
    """Top-k squared singular values `[k]` and right singular vectors `[d, k]` of Xc."""
    n, d = Xc.shape
    small = Xc @ Xc.T if n < d else Xc.T @ Xc
    if not with_components:
        return _top(jnp.linalg.eigvalsh(small), None, k)
    s2, W = _top(*jnp.linalg.eigh(small), k)
    return s2, (_from_left(Xc, W) if n < d else W)


def _randomized(Xc, k, with_components):
    """As `_exact`, by block subspace iteration on Xc Xcᵀ (n ≤ d) or Xcᵀ Xc from a random start,
    at least `MIN_STEPS` steps and then to `eigen`'s residual tolerance, without forming either;
    `_exact` when the smaller side is at most `eigen.EXACT_BELOW`."""
    n, d = Xc.shape
    if min(n, d) <= eigen.EXACT_BELOW:
        return _exact(Xc, k, with_components)
    apply = (lambda U: _times_t(Xc, _thin_t(U, Xc))) if n <= d else (lambda V: _t_thin(Xc, Xc @ V))
    top = eigen.top_of_operator(apply, min(n, d), Xc.dtype, k, eigen.default_tolerance(Xc.dtype),
                                min_steps=MIN_STEPS)
    if not with_components:
        return top.values, None
    return top.values, (_from_left(Xc, top.vectors) if n <= d else top.vectors)


# XLA:CPU runs a dot that writes a wide `[w, d]` several times faster than the same dot writing its
# transpose `[d, w]`, and a dot written with `.T` operands transposes them first; these contract in
# place and write the wide form.


def _thin_t(B, A):
    """Bᵀ A `[w, d]` of a thin `B: [m, w]` and `A: [m, d]`."""
    return jax.lax.dot_general(B, A, (((0,), (0,)), ((), ())))


def _t_thin(A, B):
    """Aᵀ B `[d, w]` of `A: [m, d]` and a thin `B: [m, w]`: `_thin_t` transposed behind a barrier,
    which keeps XLA from folding the transpose back into the dot."""
    return jax.lax.optimization_barrier(_thin_t(B, A)).T


def _times_t(A, Z):
    """A Zᵀ `[m, w]` of `A: [m, d]` and a wide `Z: [w, d]`."""
    return jax.lax.dot_general(A, Z, (((1,), (1,)), ((), ())))


def _flip_signs(components):
    """Make each row's largest-magnitude entry positive."""
    biggest = jnp.take_along_axis(
        components, jnp.argmax(jnp.abs(components), axis=-1, keepdims=True), axis=-1
    )
    return components * jnp.where(biggest < 0, -1.0, 1.0).astype(components.dtype)
