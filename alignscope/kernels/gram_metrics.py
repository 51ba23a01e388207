"""Separation metrics of one layer from its centred Gram K `[n, n]` and top eigenpairs, for many
labellings at once (`Y: [R, n]` of 0./1.): the estimate, permutation replicas (labels change,
K and its eigenpairs are shared) and, after `kernels.gram.gather_core`, bootstrap replicas.

Notation (as in `kernels.separation`): n0, n1 class sizes; u = y/n1 − (1 − y)/n0, so that
Δ = μ1 − μ0 = Xcᵀu; û = u/‖u‖ with ‖u‖² = n/(n0 n1). The eigenpairs (θ_j, v_j) of K give the
PCA: scores Z = V diag(√θ), explained variances θ/(n − 1).

- explained variance ratio of the top k: Σ_{j<k} θ_j / tr K.
- between-class share on the top k PCs: n0 n1/n ‖Z_kᵀu‖² / ‖Z_k‖² = Σ_{j<k} θ_j (v_jᵀû)² / Σ θ_j.
- Bhattacharyya distance on the top k PCs: the Gaussian formula on the scores Z_k `[n, k]`.
- Fisher ratio with Ledoit–Wolf: R = Xc − μ_{y_i} has Gram W = (I − ûûᵀ) K (I − ûûᵀ), so with
  t = Kû and κ = ûᵀt: diag W = diag K − 2 û∘t + κ û∘û, tr W = tr K − κ,
  ‖W‖²_F = ‖K‖²_F − 2‖t‖² + κ², which is all Ledoit–Wolf's λ needs. With Σ = a I + b RᵀR,
  a = λ tr W / ((n − 2) d) and b = (1 − λ)/(n − 2), Sherman–Morrison in the row space of Xc gives
  ΔᵀΣ⁻¹Δ = ‖u‖² tᵀx / (a ûᵀx),  x = (a I + b K)⁻¹ û,
  a ratio of two positive sums (no cancellation). x comes from conjugate gradients on K,
  preconditioned by the top eigenpairs (deflation), batched over labellings.
- silhouette: distances ‖x_i − x_j‖ = √(K_ii + K_jj − 2K_ij) in row blocks.

Weighted rows (a bootstrap draw as its distinct rows, row i standing for c_i copies,
`resample.distinct_draws`): with Kc the Gram of the distinct rows centred on the draw's mean, the
draw's m × m Gram P Kc Pᵀ (P: copies to distinct rows) has the nonzero eigenpairs of
K = C½ Kc C½, eigenvector v ↦ P C^-½ v. Every formula above holds on K with û = C½ u (same
norm), n = Σ c_i and class sizes summed over weights, except that sums over the draw's rows of
per-row terms weight row i by c_i: Ledoit–Wolf's Σ_i (diag W)_i² becomes Σ_i (diag W̃)_i² / c_i
with W̃ = C½ W C½. So a replica costs U² instead of m² (U ≈ 0.63 m distinct rows).
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from alignscope.kernels.eigen import Eigenpairs

CG_MAX_STEPS = 500


class Contrast(NamedTuple):
    """Per labelling: `unit: [R, n]` û, `scale: [R]` ‖u‖² = n/(n0 n1)."""

    unit: jax.Array
    scale: jax.Array


def contrast(Y: jax.Array, weights: jax.Array | None = None) -> Contrast:
    """The class contrast û and ‖u‖² of each labelling `Y: [R, n]` (0./1.) of rows with
    `weights: [n]` (default 1; see the module doc): û_i = √c_i u_i / ‖u‖."""
    if weights is None:
        weights = jnp.ones(Y.shape[-1], Y.dtype)
    n = jnp.sum(weights)
    n1 = (Y @ weights)[..., None]
    n0 = n - n1
    u = jnp.sqrt(weights) * (Y / n1 - (1.0 - Y) / n0)
    scale = n / (n0 * n1)
    return Contrast(unit=u / jnp.sqrt(scale), scale=scale[..., 0])


def inverse_root(weights: jax.Array) -> jax.Array:
    """`[n]` 1/√c of row weights c, 0 where c = 0 (padding rows)."""
    positive = weights > 0
    return jnp.where(positive, jax.lax.rsqrt(jnp.where(positive, weights, 1.0)), 0.0)


def explained_variance_ratio(eig: Eigenpairs, K: jax.Array, k: int) -> jax.Array:
    """`[]` share of the total variance on the top k PCs."""
    return jnp.sum(eig.values[:k]) / jnp.trace(K)


def between_class(eig: Eigenpairs, c: Contrast, k: int) -> jax.Array:
    """`[R]` between-class share of the variance on the top k PCs."""
    projections = c.unit @ eig.vectors[:, :k]  # [R, k]
    theta = eig.values[:k]
    return (projections * projections) @ theta / jnp.sum(theta)


def scores(eig: Eigenpairs, k: int) -> jax.Array:
    """`[n, k]` PCA scores (columns' signs arbitrary): V_k diag(√θ_k)."""
    return eig.vectors[:, :k] * jnp.sqrt(eig.values[:k])


def fisher_ledoit_wolf(
    K: jax.Array, eig: Eigenpairs, c: Contrast, d: int, tol: float, weights: jax.Array | None = None
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """`(ratio [R], shrinkage [R], ok [R])`: ΔᵀΣ⁻¹Δ with Ledoit–Wolf Σ, from K alone.

    `d` is the number of features (λ and the ridge depend on it); `tol` the conjugate-gradient
    residual; `weights: [n]` the rows' weights, with K, eig and c weighted (see the module doc).
    ok is False where λ = 0 (Σ singular when n − 2 < d) or the solve did not converge.
    """
    n = K.shape[0] if weights is None else jnp.sum(weights)
    U = c.unit.T  # [n, R]
    T = K @ U
    kappa = jnp.sum(U * T, axis=0)
    diag_k = jnp.diagonal(K)
    diag_w = diag_k[:, None] - 2.0 * U * T + kappa * U * U
    trace_w = jnp.sum(diag_k) - kappa
    frob_w = jnp.sum(K * K) - 2.0 * jnp.sum(T * T, axis=0) + kappa * kappa
    if weights is not None:  # per-copy diagonal, weighted by √c so that its squares sum over copies
        diag_w = diag_w * inverse_root(weights)[:, None]
    lam = _ledoit_wolf(diag_w, trace_w, frob_w, n, d)
    a = lam * trace_w / ((n - 2) * d)
    b = (1.0 - lam) / (n - 2)
    x, converged = _shifted_solve(K, a, b, U, eig, tol)
    ratio = c.scale * jnp.sum(T * x, axis=0) / (a * jnp.sum(U * x, axis=0))
    return ratio, lam, converged & (a > 0) & jnp.isfinite(ratio)


def _ledoit_wolf(row_sq, trace, frob, n, d):
    """scikit-learn's `ledoit_wolf_shrinkage` of centred rows R `[n, d]` from their Gram's
    diagonal `row_sq: [n, R]`, trace `[R]` and squared Frobenius norm `[R]`."""
    mu = trace / (n * d)
    delta_ = frob / n**2
    beta = (jnp.sum(row_sq * row_sq, axis=0) / n - delta_) / (d * n)
    delta = (delta_ - 2.0 * mu * trace / n + d * mu**2) / d
    beta = jnp.minimum(beta, delta)
    return jnp.where(beta == 0, 0.0, beta / jnp.where(delta == 0, 1.0, delta))


def _shifted_solve(K, a, b, B, eig, tol):
    """`X [n, R]` with (a_r I + b_r K) x_r = B[:, r], by conjugate gradients batched over
    columns, preconditioned with K's top eigenpairs: exact inverse on their span, 1/(a + b θ_k)
    on the rest. Returns X and whether every column reached ‖residual‖ ≤ tol ‖b_r‖."""
    V, theta = eig.vectors, eig.values
    floor = a + b * theta[-1]  # [R]
    inverse_top = 1.0 / (a[None, :] + b[None, :] * theta[:, None]) - 1.0 / floor[None, :]  # [k, R]

    def matvec(P):
        return a * P + b * (K @ P)

    def precondition(Rr):
        return V @ (inverse_top * (V.T @ Rr)) + Rr / floor

    target = tol * jnp.linalg.norm(B, axis=0)

    def not_done(state):
        _, Rr, _, _, steps = state
        return jnp.any(jnp.linalg.norm(Rr, axis=0) > target) & (steps < CG_MAX_STEPS)

    def step(state):
        X, Rr, P, rz, steps = state
        active = jnp.linalg.norm(Rr, axis=0) > target
        MP = matvec(P)
        alpha = jnp.where(active, rz / jnp.where(active, jnp.sum(P * MP, axis=0), 1.0), 0.0)
        X = X + alpha * P
        Rr = Rr - alpha * MP
        Z = precondition(Rr)
        rz_new = jnp.sum(Rr * Z, axis=0)
        beta = jnp.where(active, rz_new / jnp.where(active, rz, 1.0), 0.0)
        return X, Rr, Z + beta * P, jnp.where(active, rz_new, rz), steps + 1

    Z = precondition(B)
    state = (jnp.zeros_like(B), B, Z, jnp.sum(B * Z, axis=0), jnp.zeros((), jnp.int32))
    X, Rr, *_ = jax.lax.while_loop(not_done, step, state)
    return X, jnp.linalg.norm(Rr, axis=0) <= target


def silhouette_blocks(
    cross: Callable[[jax.Array, int], jax.Array],
    sq: jax.Array,
    Y: jax.Array,
    block: int,
    weights: jax.Array | None = None,
) -> jax.Array:
    """`[R]` mean silhouette of n points under each labelling `Y: [R, n]`, from squared norms
    `sq: [n]` of centred points and `cross(first, block)`, their inner products `[block, n]` for
    rows first..first+block. Distances are formed once per row block and shared by every
    labelling (`dist @ Yᵀ`). `weights: [n]`: point i stands for w_i identical rows (a bootstrap
    draw's distinct rows and their copies, `resample.distinct_draws`; default 1), which count
    w_i times in every mean and are one point: a row's own-class mean distance leaves out all of
    its copies, as it leaves out the row itself, so duplicates do not pull replicas above the
    estimate."""
    n = sq.shape[0]
    weights = jnp.ones((n,), Y.dtype) if weights is None else weights
    n1 = Y @ weights
    n0 = jnp.sum(weights) - n1
    weighted = Y * weights  # [R, n]

    def rows(start):
        # The last block is shifted back to end at n; rows already scored get weight 0.
        first = jnp.minimum(start, n - block)
        idx = first + jnp.arange(block)
        d2 = sq[idx, None] + sq[None, :] - 2.0 * cross(first, block)
        dist = jnp.sqrt(jnp.maximum(d2, 0.0))
        dist = jnp.where(idx[:, None] == jnp.arange(n)[None, :], 0.0, dist)
        to1 = dist @ weighted.T  # [block, R]
        to0 = (dist @ weights)[:, None] - to1
        yb = Y[:, idx].T
        own_count = jnp.where(yb > 0, n1, n0) - weights[idx, None]
        own = jnp.where(yb > 0, to1, to0) / jnp.maximum(own_count, 1.0)
        other = jnp.where(yb > 0, to0 / n0, to1 / n1)
        s = (other - own) / jnp.maximum(own, other)
        s = jnp.where((jnp.maximum(own, other) > 0) & (own_count > 0), s, 0.0)
        return jnp.where(idx >= start, weights[idx], 0.0) @ s

    starts = jnp.arange(0, n, block)
    return jnp.sum(jax.lax.map(rows, starts), axis=0) / jnp.sum(weights)


def silhouette(K: jax.Array, Y: jax.Array, block: int, weights: jax.Array | None = None) -> jax.Array:
    """`[R]` mean silhouette of the rows whose centred Gram is `K` under each labelling `Y`, with
    `weights` as in `silhouette_blocks` and then K weighted as C½ K C½ (see the module doc)."""
    if weights is None:
        def cross(first, size):
            return jax.lax.dynamic_slice_in_dim(K, first, size)

        return silhouette_blocks(cross, jnp.diagonal(K), Y, block)
    root = inverse_root(weights)

    def weighted_cross(first, size):
        rows = jax.lax.dynamic_slice_in_dim(root, first, size)
        return rows[:, None] * jax.lax.dynamic_slice_in_dim(K, first, size) * root[None, :]

    return silhouette_blocks(weighted_cross, jnp.diagonal(K) * root**2, Y, block, weights)
