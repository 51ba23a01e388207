"""Centered kernel alignment between representations `X: [..., n, dx]` and `Y: [..., n, dy]`.

Kornblith et al. (2019) and their reference code; `debiased=True` uses the unbiased HSIC
estimator of Song et al. (2012) (the reference code's U-centring), which needs n ≥ 4.

Linear CKA is computed from per-representation statistics of the centred features Xc: row norms
r_i = ‖xc_i‖², their sum s, and cross terms T = ⟨XcXcᵀ, YcYcᵀ⟩ = ‖XcᵀYc‖²_F. The debiased
(unnormalised) HSIC is then T − n/(n−2) r_X·r_Y + s_X s_Y / ((n−1)(n−2)). T is formed in the
feature space or in the n × n Gram space, whichever costs fewer flops.
"""

import functools
import itertools
from typing import Iterable

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks, gram
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

# Elements of the Gram row blocks (all layers of both models) held at once by cka_matrix.
GRAM_BLOCK_ELEMENTS = 2**25
# Elements of all layers' whole Grams cka_matrix may hold at once (1 GiB in float32); above it,
# or when d is small next to n, it streams Gram row blocks instead.
WHOLE_GRAMS_ELEMENTS = 2**28


@full_precision
def linear_cka(X: jax.Array, Y: jax.Array, debiased: bool = False) -> jax.Array:
    """`[...]` linear CKA of `X: [..., n, dx]` and `Y: [..., n, dy]`, leading axes broadcast."""
    X, Y = _checked(X, Y, debiased)
    return _linear_cka(X, Y, debiased=debiased, block_elements=GRAM_BLOCK_ELEMENTS)


@full_precision
def rbf_cka(
    X: jax.Array, Y: jax.Array, threshold: float = 1.0, debiased: bool = False
) -> jax.Array:
    """`[...]` CKA with RBF kernels K_ij = exp(−d²_ij / (2 threshold² median(d²))).

    The median is over the full n × n squared-distance matrix, diagonal included.
    """
    X, Y = _checked(X, Y, debiased)
    if not float(threshold) > 0:
        raise AlignscopeError(f"threshold={threshold!r} is not accepted; use a positive number")
    return _rbf_cka(X, Y, jnp.asarray(threshold, X.dtype), debiased=debiased)


@full_precision
def cka_matrix(A: jax.Array, B: jax.Array, debiased: bool = False) -> jax.Array:
    """`[..., La, Lb]` linear CKA of each layer pair of `A: [..., La, n, da]`, `B: [..., Lb, n, db]`.

    Each layer's statistics are computed once. When n < d and every Gram fits in
    `WHOLE_GRAMS_ELEMENTS`, each layer's centred Gram is formed once (`kernels.gram`) and all pairs
    come from one product of the flattened Grams; otherwise cross terms come from one pass over
    Gram row blocks, or from feature-space products when d is small next to n.
    """
    A = checks.features(A, "A", min_ndim=3)
    B = checks.features(B, "B", min_ndim=3)
    checks.same_n(A, B, "A and B")
    _check_n(A.shape[-2], debiased)
    (La, n, da), (Lb, _, db) = A.shape[-3:], B.shape[-3:]
    lead = int(np.prod(np.broadcast_shapes(A.shape[:-3], B.shape[:-3])))
    if n < min(da, db) and lead * (La + Lb) * n * n <= WHOLE_GRAMS_ELEMENTS:
        return gram_cka_matrix(gram.centred_gram(A), gram.centred_gram(B), debiased)
    return _cka_matrix(A, B, debiased=debiased, block_elements=GRAM_BLOCK_ELEMENTS)


@full_precision
def gram_cka_matrix(Ka: jax.Array, Kb: jax.Array, debiased: bool = False) -> jax.Array:
    """`[..., La, Lb]` linear CKA of each layer pair from centred Grams `Ka: [..., La, n, n]` and
    `Kb: [..., Lb, n, n]` (`kernels.gram.centred_gram`, computed once per layer and shared with
    every other metric): one `[La, n²] x [n², Lb]` product, no pass over the features."""
    Ka = checks.features(Ka, "Ka", min_ndim=3)
    Kb = checks.features(Kb, "Kb", min_ndim=3)
    checks.same_n(Ka, Kb, "Ka and Kb")
    _check_n(Ka.shape[-1], debiased)
    return _gram_cka_matrix(Ka, Kb, debiased=debiased)


@full_precision
def minibatch_cka(xs: Iterable[jax.Array], ys: Iterable[jax.Array]) -> jax.Array:
    """`[...]` linear CKA accumulated over minibatches (Nguyen, Raghu & Kornblith 2021).

    `xs` and `ys` yield matching batches `[..., n_i, dx]` and `[..., n_i, dy]` (n_i ≥ 4, sizes may
    differ). The unbiased HSIC of each batch, including its 1/(n_i(n_i − 3)) factor, is summed
    over batches before normalising; a single batch gives exactly `linear_cka(debiased=True)`.
    """
    total = None
    for X, Y in itertools.zip_longest(xs, ys):
        if X is None or Y is None:
            raise AlignscopeError("minibatch_cka got more X batches than Y batches or the reverse")
        X, Y = _checked(X, Y, debiased=True)
        n = X.shape[-2]
        terms = _hsic_terms(X, Y, debiased=True, block_elements=GRAM_BLOCK_ELEMENTS)
        terms = jax.tree.map(lambda t: t / (n * (n - 3)), terms)
        total = terms if total is None else jax.tree.map(jnp.add, total, terms)
    if total is None:
        raise AlignscopeError("minibatch_cka got no batches; pass at least one pair of batches")
    xy, xx, yy = total
    return xy / jnp.sqrt(xx * yy)


@full_precision
def center_gram(K: jax.Array, unbiased: bool = False) -> jax.Array:
    """Centred copy of a symmetric Gram matrix `K: [n, n]` (HKH, or U-centred when `unbiased`)."""
    n = K.shape[0]
    if unbiased:
        K = K * (1.0 - jnp.eye(n, dtype=K.dtype))
        means = jnp.sum(K, axis=0) / (n - 2)
        means = means - jnp.sum(means) / (2 * (n - 1))
        K = K - means[:, None] - means[None, :]
        return K * (1.0 - jnp.eye(n, dtype=K.dtype))
    means = jnp.mean(K, axis=0)
    means = means - jnp.mean(means) / 2
    return K - means[:, None] - means[None, :]


@full_precision
def gram_rbf(X: jax.Array, threshold: jax.Array) -> jax.Array:
    """`[n, n]` RBF Gram matrix of `X: [n, d]` with bandwidth from the median squared distance."""
    X = X - X.mean(axis=0)
    sq = jnp.sum(X * X, axis=1)
    d2 = jnp.maximum(sq[:, None] + sq[None, :] - 2.0 * X @ X.T, 0.0)
    d2 = d2 * (1.0 - jnp.eye(X.shape[0], dtype=X.dtype))
    return jnp.exp(-d2 / (2.0 * threshold**2 * jnp.median(d2)))


def _checked(X, Y, debiased) -> tuple[jax.Array, jax.Array]:
    X = checks.features(X, "X")
    Y = checks.features(Y, "Y")
    checks.same_n(X, Y)
    _check_n(X.shape[-2], debiased)
    return X, Y


def _check_n(n: int, debiased: bool) -> None:
    low = 4 if debiased else 2
    if n < low:
        raise AlignscopeError(
            f"CKA{' (debiased)' if debiased else ''} needs at least {low} examples; got n={n}"
        )


def _row_stats(X):
    """Centred features `[..., n, d]`, row norms r `[..., n]` and their sum s `[...]`."""
    Xc = X - X.mean(axis=-2, keepdims=True)
    r = jnp.sum(Xc * Xc, axis=-1)
    return Xc, r, jnp.sum(r, axis=-1)


def _debias(T, r_dot, s_prod, n):
    """Unnormalised unbiased HSIC from the biased cross term T, r_X·r_Y and s_X s_Y."""
    return T - n / (n - 2) * r_dot + s_prod / ((n - 1) * (n - 2))


def _frobenius(A, B):
    """`[La, Lb]` Frobenius products ⟨A_a, B_b⟩ of `A: [La, ...]` and `B: [Lb, ...]`: one dot of the
    flattened matrices (XLA:CPU ran the two-axis einsum 1.6-4x slower at 4 x 500 x 500)."""
    flat_a, flat_b = A.reshape(A.shape[0], -1), B.reshape(B.shape[0], -1)
    return jax.lax.dot_general(flat_a, flat_b, (((1,), (1,)), ((), ())))


def _squared_norms(A):
    """`[La]` squared Frobenius norms ‖A_a‖² of `A: [La, ...]`."""
    flat = A.reshape(A.shape[0], -1)
    return jnp.einsum("ai,ai->a", flat, flat)


def _cross_gram(Ac, Bc, block_elements):
    """`(⟨Ga, Gb⟩ [La, Lb], ‖Ga‖² [La], ‖Gb‖² [Lb])` with Ga = Ac_a Ac_aᵀ, over Gram row blocks."""
    (La, n, _), Lb = Ac.shape, Bc.shape[0]
    block = max(1, min(n, block_elements // ((La + Lb) * n)))

    def rows(carry, start):
        # The last block is shifted back to end at n; rows already counted get weight 0.
        first = jnp.minimum(start, n - block)
        fresh = (first + jnp.arange(block) >= start).astype(Ac.dtype)
        Ga = jnp.einsum("arD,anD->arn", jax.lax.dynamic_slice_in_dim(Ac, first, block, 1), Ac)
        Gb = jnp.einsum("brD,bnD->brn", jax.lax.dynamic_slice_in_dim(Bc, first, block, 1), Bc)
        Ga = Ga * fresh[None, :, None]
        T, aa, bb = carry
        T = T + _frobenius(Ga, Gb)
        aa = aa + _squared_norms(Ga)
        bb = bb + _squared_norms(Gb * fresh[None, :, None])  # fresh is 0 or 1
        return (T, aa, bb), None

    zeros = (jnp.zeros((La, Lb), Ac.dtype), jnp.zeros(La, Ac.dtype), jnp.zeros(Lb, Ac.dtype))
    out, _ = jax.lax.scan(rows, zeros, jnp.arange(0, n, block))
    return out


def _cross_features(Ac, Bc, block_elements):
    """As `_cross_gram`, from ‖Ac_aᵀ Bc_b‖²_F; pairs are batched up to block_elements products."""

    def frob2(P, Q):
        M = P.T @ Q
        return jnp.sum(M * M)

    def per_b(P, Bs):
        batch = max(1, min(Bs.shape[0], block_elements // (P.shape[1] * Bs.shape[2])))
        return jax.lax.map(lambda Q: frob2(P, Q), Bs, batch_size=batch)

    pairs = jax.lax.map(lambda P: per_b(P, Bc), Ac)
    self_a = jax.lax.map(lambda P: frob2(P, P), Ac)
    self_b = jax.lax.map(lambda Q: frob2(Q, Q), Bc)
    return pairs, self_a, self_b


def _hsic_matrix(A, B, debiased, block_elements):
    """Unnormalised HSIC `(H_ab [La, Lb], H_aa [La], H_bb [Lb])` of A: [La, n, da], B: [Lb, n, db]."""
    (La, n, da), (Lb, _, db) = A.shape, B.shape
    Ac, r_a, s_a = _row_stats(A)
    Bc, r_b, s_b = _row_stats(B)
    gram_flops = n * n * (La * da + Lb * db + La * Lb)
    feature_flops = n * (La * da * da + Lb * db * db + La * Lb * da * db)
    cross = _cross_gram if gram_flops < feature_flops else _cross_features
    T, aa, bb = cross(Ac, Bc, block_elements)
    if not debiased:
        return T, aa, bb
    return (
        _debias(T, r_a @ r_b.T, jnp.outer(s_a, s_b), n),
        _debias(aa, jnp.sum(r_a * r_a, axis=1), s_a * s_a, n),
        _debias(bb, jnp.sum(r_b * r_b, axis=1), s_b * s_b, n),
    )


def _cka_matrix_one(A, B, debiased, block_elements):
    H, aa, bb = _hsic_matrix(A, B, debiased, block_elements)
    return H / jnp.sqrt(jnp.outer(aa, bb))


@functools.partial(jax.jit, static_argnames=("debiased", "block_elements"))
def _cka_matrix(A, B, debiased, block_elements):
    core = functools.partial(_cka_matrix_one, debiased=debiased, block_elements=block_elements)
    return over_leading(core, (A, B), (3, 3))


def _gram_cka_matrix_one(Ka, Kb, debiased):
    n = Ka.shape[-1]
    T = _frobenius(Ka, Kb)
    aa, bb = _squared_norms(Ka), _squared_norms(Kb)
    if debiased:
        r_a, r_b = jnp.diagonal(Ka, axis1=1, axis2=2), jnp.diagonal(Kb, axis1=1, axis2=2)
        s_a, s_b = r_a.sum(axis=1), r_b.sum(axis=1)
        T = _debias(T, r_a @ r_b.T, jnp.outer(s_a, s_b), n)
        aa = _debias(aa, jnp.sum(r_a * r_a, axis=1), s_a * s_a, n)
        bb = _debias(bb, jnp.sum(r_b * r_b, axis=1), s_b * s_b, n)
    return T / jnp.sqrt(jnp.outer(aa, bb))


@functools.partial(jax.jit, static_argnames=("debiased",))
def _gram_cka_matrix(Ka, Kb, debiased):
    core = functools.partial(_gram_cka_matrix_one, debiased=debiased)
    return over_leading(core, (Ka, Kb), (3, 3))


def _hsic_terms_one(X, Y, debiased, block_elements):
    H, xx, yy = _hsic_matrix(X[None], Y[None], debiased, block_elements)
    return H[0, 0], xx[0], yy[0]


@functools.partial(jax.jit, static_argnames=("debiased", "block_elements"))
def _hsic_terms(X, Y, debiased, block_elements):
    core = functools.partial(_hsic_terms_one, debiased=debiased, block_elements=block_elements)
    return over_leading(core, (X, Y), (2, 2))


@functools.partial(jax.jit, static_argnames=("debiased", "block_elements"))
def _linear_cka(X, Y, debiased, block_elements):
    xy, xx, yy = _hsic_terms(X, Y, debiased=debiased, block_elements=block_elements)
    return xy / jnp.sqrt(xx * yy)


def _rbf_cka_one(X, Y, threshold, debiased):
    Kx = center_gram(gram_rbf(X, threshold), unbiased=debiased)
    Ky = center_gram(gram_rbf(Y, threshold), unbiased=debiased)
    return jnp.sum(Kx * Ky) / (jnp.linalg.norm(Kx) * jnp.linalg.norm(Ky))


@functools.partial(jax.jit, static_argnames=("debiased",))
def _rbf_cka(X, Y, threshold, debiased):
    core = functools.partial(_rbf_cka_one, threshold=threshold, debiased=debiased)
    return over_leading(core, (X, Y), (2, 2))
