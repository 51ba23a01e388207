"""The n x n Gram matrix of a layer, the one statistic every Gram-first metric is computed from.

For `X: [n, d]` with rows x_i, the centred Gram is K = Xc Xcᵀ `[n, n]` with Xc = X − mean(X)
(the mean of all n rows): K = H X Xᵀ H, H = I − 11ᵀ/n. From K alone come the PCA scores and
variances (its eigenpairs), squared distances ‖x_i − x_j‖² = K_ii + K_jj − 2K_ij, and linear CKA
(a Frobenius product of two centred Grams). A bootstrap replica with rows `idx` has the Gram
H K[idx][:, idx] H: a gather and a re-centring, no new pass over the features.

Cost: forming K is n²d multiply-adds, done as a block lower triangle (`GRAM_BLOCKS` row blocks,
(b + 1)/2b of the full product's work) because XLA:CPU's dot does not exploit the symmetry the way
BLAS `syrk` does. The rows are centred in a separate pass, before the product: centring first keeps
float32 digits under large feature offsets, and fusing the subtraction into the dot made XLA:CPU
several times slower.
"""


import jax
import jax.numpy as jnp

from alignscope.kernels import checks
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision

# Row blocks of the lower-triangle product; 3 does 2/3 of the full product's multiply-adds. Timed
# alone and idle at the three sizes tried (n = 1,000 and 2,000 at d = 4,096; 500 x 1,024), 3 was at
# least as fast as 2 or 4.
GRAM_BLOCKS = 3


@full_precision
def centred_gram(X: jax.Array) -> jax.Array:
    """`[..., n, n]` K = Xc Xcᵀ of `X: [..., n, d]`, Xc centred on the mean of its n rows."""
    return _centred_gram(checks.features(X))


@full_precision
def resampled(K: jax.Array, idx: jax.Array) -> jax.Array:
    """`[..., R, m, m]` centred Grams of the row draws `idx: [R, m]` from centred `K: [..., n, n]`
    (the Gram of `X[idx[r]]`, re-centred on the drawn rows' mean)."""
    return _resampled(jnp.asarray(K), jnp.asarray(idx))


def gram_core(X: jax.Array, blocks: int = GRAM_BLOCKS) -> jax.Array:
    """Unchecked, unbatched `centred_gram` of one `X: [n, d]`, for use inside jitted kernels."""
    n = X.shape[0]
    Xc = jax.lax.optimization_barrier(X - X.mean(axis=0))
    size = -(-n // blocks)
    bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    tiles = {}
    for i, (lo, hi) in enumerate(bounds):
        strip = Xc[lo:hi] @ Xc[:hi].T  # [hi − lo, hi]: block row i up to its diagonal
        for j, (first, last) in enumerate(bounds[: i + 1]):
            tiles[i, j] = strip[:, first:last]
    rows = [jnp.concatenate([tiles[i, j] if j <= i else tiles[j, i].T for j in range(len(bounds))], axis=1)
            for i in range(len(bounds))]
    return jnp.concatenate(rows)


def recentre(G: jax.Array) -> jax.Array:
    """H G H for a symmetric `G: [n, n]`: the Gram of the same rows centred on their mean."""
    row = G.mean(axis=0)
    return G - row[:, None] - row[None, :] + row.mean()


def gather_core(K: jax.Array, idx: jax.Array, weights: jax.Array | None = None) -> jax.Array:
    """Centred Gram `[m, m]` of the rows `idx: [m]` of the data whose centred Gram is `K`, centred
    on their mean with `weights: [m]` (default 1; a bootstrap draw's distinct rows weighted by
    their copies, `resample.distinct_draws`, give the draw's mean).

    The drawn rows' mean Gram row is (K c / Σw)[idx] with c the weights summed per row of K, a
    matvec on K: summing the gathered matrix instead made XLA:CPU redo the gather per reduction
    (10x slower)."""
    weights = jnp.ones(idx.shape, K.dtype) if weights is None else weights
    total = jnp.sum(weights)
    counts = jnp.zeros(K.shape[0], K.dtype).at[idx].add(weights)
    row = (K @ counts / total)[idx]
    return K[idx][:, idx] - row[:, None] - row[None, :] + weights @ row / total


@jax.jit
def _centred_gram(X):
    return over_leading(gram_core, (X,), (2,), sequential=True)


@jax.jit
def _resampled(K, idx):
    def one(K):
        return jax.lax.map(lambda rows: gather_core(K, rows), idx)

    return over_leading(one, (K,), (2,), sequential=True)
