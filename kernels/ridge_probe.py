"""Ridge probes from a Gram matrix: cross-validated accuracy of a least-squares linear classifier,
at a cost set by the rows, not the width, so every bootstrap and permutation replica can refit it.

A probe is scikit-learn's `RidgeClassifier(alpha)` with an intercept on standardised features
Z: targets s = ±1, training rows and targets centred on their means, w = argmin ‖Zc w − sc‖² +
alpha ‖w‖², and a row is called harmful where (z − z̄)·w + s̄ > 0. In the dual, w = Zcᵀ a with
(Kc + alpha I) a = sc, Kc the Gram of the centred training rows, so a fold needs only the Gram
`K = Z Zᵀ` of the layer's rows: formed once per layer (`standardized_gram`), shared by every
labelling (the estimate and the permutations) and gathered by row and column for a bootstrap draw.

Z standardises each feature with the mean and standard deviation of all rows given (label-free,
as the analysis gives one language's rows); alpha = `ridge` × the mean squared norm of the
centred training rows, so the regularisation is the same for any width and feature scale.
"""

import functools

import jax
import jax.numpy as jnp

from kernels.leading_axes import over_leading

RIDGE = 1.0


@jax.jit
def standardized_gram(X: jax.Array) -> jax.Array:
    """`[..., n, n]` Gram of the rows of `X: [..., n, d]` with each feature standardised over the
    n rows (population standard deviation; a constant feature is only centred)."""
    mean = jnp.mean(X, axis=-2, keepdims=True)
    centred = X - mean
    std = jnp.sqrt(jnp.mean(centred * centred, axis=-2, keepdims=True))
    Z = centred / jnp.where(std > 0, std, 1.0)
    return jnp.einsum("...id,...jd->...ij", Z, Z)


def accuracy_core(K: jax.Array, Y: jax.Array, tests: jax.Array, ridge: float = RIDGE) -> jax.Array:
    """`[B]` cross-validated accuracy of one layer, unbatched.

    Args:
      K: `[m, m]` Gram of the standardised rows (copies of a row allowed: a bootstrap draw).
      Y: `[B, m]` labellings (0/1), all scored with the same folds.
      tests: `[F, m]` 1 where a row is held out in fold f; each row in exactly one fold.
      ridge: alpha relative to the mean squared norm of the centred training rows.
    """
    m = K.shape[0]
    signs = 2.0 * Y - 1.0  # [B, m]

    def fold(test):
        train = 1.0 - test
        weights = train / jnp.sum(train)
        row_means = K @ weights  # [m]: z_i · z̄
        Kc = K - row_means[:, None] - row_means[None, :] + weights @ row_means
        alpha = ridge * (train @ jnp.diagonal(Kc)) / jnp.sum(train)
        A = train[:, None] * Kc * train[None, :] + alpha * jnp.eye(m, dtype=K.dtype)
        offset = signs @ weights  # [B]
        rhs = train[:, None] * (signs.T - offset)  # [m, B]; zero on held-out rows
        dual = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(A), rhs)
        decision = Kc @ dual + offset  # [m, B]
        correct = (decision > 0) == (Y.T > 0)
        return test @ correct.astype(K.dtype)  # [B]

    return jnp.sum(jax.lax.map(fold, tests), axis=0) / m


@functools.partial(jax.jit, static_argnames=("ridge",))
def accuracy(K: jax.Array, Y: jax.Array, tests: jax.Array, ridge: float = RIDGE) -> jax.Array:
    """`[..., B]` `accuracy_core` over the leading (layer) axes of `K: [..., m, m]`; `Y: [B, m]`
    and `tests: [F, m]` are shared."""
    core = functools.partial(accuracy_core, ridge=ridge)
    return over_leading(core, (K, Y, tests), (2, 2, 2), sequential=True)


@functools.partial(jax.jit, static_argnames=("ridge",))
def bootstrap_accuracy(K: jax.Array, positions: jax.Array, y: jax.Array, tests: jax.Array,
                       ridge: float = RIDGE) -> jax.Array:
    """`[..., R]` accuracy of bootstrap draws: replica r holds rows `positions[r]: [m]` of the
    layer whose Gram is `K: [..., n, n]`, labelled `y[r]: [m]`, with folds `tests[r]: [F, m]`."""
    def per_layer(K, positions, y, tests):
        def replica(args):
            rows, labels, folds = args
            return accuracy_core(K[rows][:, rows], labels[None], folds, ridge)[0]

        return jax.lax.map(replica, (positions, y, tests))

    return over_leading(per_layer, (K, positions, y, tests), (2, 2, 2, 3), sequential=True)
