"""Top-k eigenpairs of a symmetric positive semi-definite `K: [n, n]` (a centred Gram), exact to a
tolerance: block subspace iteration with Rayleigh–Ritz and a residual check. `top_of_operator` runs
the same iteration on a K that is only applied, never formed (PCA's Xc Xcᵀ as Xc (Xcᵀ Q)).

Each step multiplies K by an `[n, k + OVERSAMPLE]` block (2n²(k + p) flops for a formed K),
orthonormalises, and takes Ritz pairs; it stops when every one of the top k has
‖K v − θ v‖ ≤ tol · θ₁, or after `max_steps` (then `converged` is False). The test is relative to
θ₁: a pair thousands of times smaller (next to a few massive dimensions) passes it at rounding
level in float32, and its value is then good to a few percent at best, as from a float32 `eigh`.
Error in an eigenvector is about residual / spectral gap, so a gap after the k-th eigenvalue (as
the top-k metrics need anyway) makes convergence fast.
A full `eigh` costs about 9n³ flops whatever k; with k ≪ n this is tens of times less.
A warm start (the previous solve's vectors, gathered for a bootstrap replica) halves the steps.
Up to `EXACT_BELOW` rows a full `eigh` is cheaper than a few steps and is used instead.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

OVERSAMPLE = 10
MAX_STEPS = 300
# Up to this n a full eigh costs less than a few subspace steps and is exact: used instead.
EXACT_BELOW = 128


class Eigenpairs(NamedTuple):
    """The top-k eigenpairs of a symmetric PSD matrix; leaves carry the caller's leading axes.

    Attributes:
      values: `[..., k]` eigenvalues, descending, clipped at 0.
      vectors: `[..., n, k]` orthonormal eigenvectors (columns), signs arbitrary.
      residual: `[...]` max over the k pairs of ‖K v − θ v‖ / θ₁.
      steps: `[...]` subspace-iteration steps taken.
      converged: `[...]` whether residual ≤ tol.
    """

    values: jax.Array
    vectors: jax.Array
    residual: jax.Array
    steps: jax.Array
    converged: jax.Array


def default_tolerance(dtype) -> float:
    """Residual tolerance relative to θ₁: about 100 units of float32 rounding, 1e-10 in float64."""
    return 1e-5 if jnp.finfo(dtype).bits <= 32 else 1e-10


@full_precision
def top_eigenpairs(K: jax.Array, k: int, tol: float | None = None) -> Eigenpairs:
    """Top-`k` eigenpairs of symmetric PSD `K: [..., n, n]` to residual `tol` (relative to θ₁)."""
    K = checks.features(K, "K")
    n = K.shape[-1]
    if K.shape[-2] != n:
        raise AlignscopeError(f"K has shape {K.shape}; expected square matrices [..., n, n]")
    k = checks.count(k, "k", 1, n)
    tol = default_tolerance(K.dtype) if tol is None else float(tol)
    return _top(K, k=k, tol=tol)


def orthonormal(Y: jax.Array) -> jax.Array:
    """`[n, b]` orthonormal columns (b ≤ n) spanning `Y: [n, b]`, by SVQB (Stathopoulos & Wu 2002):
    unit columns, then the eigenvectors of their b × b Gram, twice. A direction numerically
    dependent on the others (the noise K returns past its rank lies in the span of the rest) is
    replaced by a random one orthogonal to them, and one more pass orthonormalises those: a zero
    column would stay zero under K and pass for a converged pair with θ = 0 (in float32, K times a
    random block keeps only the directions above about √eps of the top one). Used instead of QR,
    which XLA:CPU runs hundreds of times slower than LAPACK on these tall, thin blocks."""
    Y, kept = _svqb(_svqb(Y)[0])
    fill = jax.random.normal(jax.random.key(1), Y.shape, Y.dtype)
    fill = fill - Y @ (Y.T @ fill)
    return _svqb(jnp.where(kept, Y, fill))[0]


def _svqb(Y):
    """One SVQB pass: (`[n, b]` Y orthonormalised, zero columns for dependent directions; `[b]`
    which columns are kept)."""
    eps = jnp.finfo(Y.dtype).eps
    norms = jnp.linalg.norm(Y, axis=0)
    Y = Y / jnp.where(norms > 0, norms, 1.0)
    G = Y.T @ Y
    values, W = jnp.linalg.eigh((G + G.T) / 2)
    keep = values > Y.shape[1] * eps * jnp.max(values)
    return Y @ (W * jnp.where(keep, jax.lax.rsqrt(jnp.where(keep, values, 1.0)), 0.0)), keep


def top_core(K, k, tol, init=None, max_steps=MAX_STEPS) -> Eigenpairs:
    """Unchecked, unbatched `top_eigenpairs` of one `K: [n, n]`; `init: [n, j]` (j ≤ k + OVERSAMPLE)
    starting vectors, e.g. a previous solve's gathered for a bootstrap replica, completed to the
    block width with random columns."""
    n = K.shape[0]
    if n <= EXACT_BELOW:
        return _exact(K, k)
    return top_of_operator(lambda Q: K @ Q, n, K.dtype, k, tol, init, max_steps)


def top_of_operator(apply, n, dtype, k, tol, init=None, max_steps=MAX_STEPS, min_steps=0) -> Eigenpairs:
    """`top_core` of the symmetric PSD operator `apply: [n, b] -> [n, b]` (K Q for a K that need not
    be formed, e.g. Xc (Xcᵀ Q) for PCA), in `dtype`, taking at least `min_steps` steps; `init` as
    in `top_core`."""
    width = min(k + OVERSAMPLE, n)
    fresh = jax.random.normal(jax.random.key(0), (n, width), dtype)
    init = fresh if init is None else jnp.concatenate([init, fresh[:, init.shape[1]:]], axis=1)
    Q = orthonormal(apply(init))

    def ritz(Q):
        """Ritz values (descending), vectors V, K V and the top-k residual of the block Q."""
        Y = apply(Q)
        H = Q.T @ Y
        theta, S = jnp.linalg.eigh((H + H.T) / 2)
        theta, S = theta[::-1], S[:, ::-1]
        V, KV = Q @ S, Y @ S
        scale = jnp.maximum(theta[0], jnp.finfo(dtype).tiny)
        residual = jnp.max(jnp.linalg.norm(KV[:, :k] - V[:, :k] * theta[:k], axis=0)) / scale
        return theta, V, KV, residual

    def not_done(state):
        *_, residual, steps = state
        return ((residual > tol) | (steps < min_steps)) & (steps < max_steps)

    def step(state):
        _, _, KV, _, steps = state
        Q = orthonormal(KV)  # one power step: span(K Q) of the previous block
        return (*ritz(Q), steps + 1)

    theta, V, _, residual, steps = jax.lax.while_loop(
        not_done, step, (*ritz(Q), jnp.zeros((), jnp.int32)))
    return Eigenpairs(
        values=jnp.maximum(theta[:k], 0.0),
        vectors=V[:, :k],
        residual=residual,
        steps=steps,
        converged=residual <= tol,
    )


def _exact(K, k) -> Eigenpairs:
    """The top-k pairs of a full `eigh`, in `Eigenpairs` form (no steps, residual measured)."""
    theta, V = jnp.linalg.eigh(K)
    theta, V = theta[::-1][:k], V[:, ::-1][:, :k]
    scale = jnp.maximum(theta[0], jnp.finfo(K.dtype).tiny)
    residual = jnp.max(jnp.linalg.norm(K @ V - V * theta, axis=0)) / scale
    return Eigenpairs(values=jnp.maximum(theta, 0.0), vectors=V, residual=residual,
                      steps=jnp.zeros((), jnp.int32), converged=jnp.ones((), bool))


@functools.partial(jax.jit, static_argnames=("k", "tol"))
def _top(K, k, tol):
    return over_leading(functools.partial(top_core, k=k, tol=tol), (K,), (2,))
