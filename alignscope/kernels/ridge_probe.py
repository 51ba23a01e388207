"""Ridge probes: cross-validated accuracy of a least-squares linear classifier, cheap enough that
every bootstrap and permutation replica refits it.

A probe is scikit-learn's `RidgeClassifier(alpha)` with an intercept on standardised features
Z: targets s = ±1, training rows and targets centred on their means, w = argmin ‖Zc w − sc‖² +
alpha ‖w‖², and a row is called harmful where (z − z̄)·w + s̄ > 0. Two equal forms:
- dual (few rows): w = Zcᵀ a with (Kc + alpha I) a = sc, Kc the Gram of the centred training rows,
  so a fold needs only the Gram `K = Z Zᵀ` of the layer's rows (`standardized_gram`), shared by
  every labelling (the estimate and the permutations) and gathered for a bootstrap draw at its
  distinct rows, each weighted by its copies; t³ a fold for its t distinct training rows (the
  held-out rows are left out of the factorization; a draw of m rows holds about 0.63 m distinct).
- primal (many rows, n > d): (Zcᵀ C Zc + alpha I) w = Zcᵀ C sc with C the rows' weights (copies
  in a bootstrap draw, 0 for held-out rows), on the layer's standardised rows (`standardized`)
  with no gather; n d² + d³ a fold.

Z standardises each feature with the mean and standard deviation of all rows given (label-free,
as the analysis gives one language's rows, so a bootstrap draw reuses the language's scaling and
held-out rows share it); alpha = `ridge` × the mean squared norm of the centred training rows, so
the regularisation is the same for any width and feature scale.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import host_threads
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.resample import padded_size

RIDGE = 1.0


@jax.jit
def standardized(X: jax.Array) -> jax.Array:
    """`X: [..., n, d]` with each feature standardised over the n rows (population standard
    deviation). A feature constant up to rounding (scikit-learn's bound: variance ≤ n·eps·variance
    + (n·eps·mean)²) is zero, not scaled up from its rounding noise; a layer with no other feature
    gives a probe that calls each fold's training majority."""
    n = X.shape[-2]
    eps = jnp.finfo(X.dtype).eps
    mean = jnp.mean(X, axis=-2, keepdims=True)
    centred = X - mean
    var = jnp.mean(centred * centred, axis=-2, keepdims=True)
    constant = var <= n * eps * var + jnp.square(n * eps * mean)
    return jnp.where(constant, 0.0, centred / jnp.sqrt(jnp.where(constant, 1.0, var)))


@jax.jit
def standardized_gram(X: jax.Array) -> jax.Array:
    """`[..., n, n]` Gram of the `standardized` rows of `X: [..., n, d]`."""
    Z = standardized(X)
    return jnp.einsum("...id,...jd->...ij", Z, Z)


def _alpha(ridge, squared_norms, train):
    """alpha = ridge × the training rows' mean squared centred norm; with no variance among them
    (w = 0: the decision is the offset, the training majority, as scikit-learn) any positive
    alpha serves, so 1."""
    alpha = ridge * (train @ squared_norms) / jnp.sum(train)
    return jnp.where(alpha > 0, alpha, 1.0)


def accuracy_core(K: jax.Array, Y: jax.Array, counts: jax.Array, tests: jax.Array, ridge: float,
                  sizes: tuple[int, int]) -> jax.Array:
    """`[B]` cross-validated accuracy of one layer, unbatched.

    Args:
      K: `[m, m]` Gram of the standardised distinct rows.
      Y: `[B, m]` labellings (0/1), all scored with the same folds.
      counts: `[m]` how many times each row counts: 1 for a language's own rows, its copies in a
        bootstrap draw (`resample.distinct_draws`), 0 for padding. A row taken c times is the same fit as c
        identical rows (ridge with weights c: the dual's system is C½ Kc C½ + alpha I over distinct
        rows, a third of the rows of a draw fewer than its copies), and is scored c times.
      tests: `[F, m]` 1 where a row is held out in fold f; each row in exactly one fold.
      ridge: alpha relative to the mean squared norm of the centred training rows.
      sizes: at least (the most training rows, the most held-out rows) with a count of any fold,
        static (`fold_sizes`): each fold factors only its training block, padded to that size with
        identity rows (a fifth fewer rows than m with 5 folds: half the Cholesky's work).
    """
    signs = 2.0 * Y - 1.0  # [B, m]
    train_rows, held_rows = sizes

    def fold(test):
        train, held = counts * (1.0 - test), counts * test
        weights = train / jnp.sum(train)
        row_means = K @ weights  # [m]: z_i · z̄
        mean_sq = weights @ row_means  # ‖z̄‖²

        def centred(first, second):  # the block of K centred on z̄: (z_i − z̄) · (z_j − z̄)
            return K[first[:, None], second[None, :]] - row_means[first, None] - row_means[None, second] + mean_sq

        alpha = _alpha(ridge, jnp.diagonal(K) - 2.0 * row_means + mean_sq, train)
        offset = signs @ weights  # [B]
        fit = jnp.argsort(train == 0, stable=True)[:train_rows]  # training rows first
        scored = jnp.argsort(held == 0, stable=True)[:held_rows]  # held-out rows first
        root = jnp.sqrt(train[fit])  # 0 on padding
        A = root[:, None] * centred(fit, fit) * root[None, :] + alpha * jnp.eye(train_rows, dtype=K.dtype)
        rhs = root[:, None] * (signs[:, fit].T - offset)  # [T, B]
        dual = root[:, None] * jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(A), rhs)
        decision = centred(scored, fit) @ dual + offset  # [H, B]
        correct = (decision > 0) == (Y[:, scored].T > 0)
        return held[scored] @ correct.astype(K.dtype)  # [B]

    return jnp.sum(jax.lax.map(fold, tests), axis=0) / jnp.sum(counts)


def fold_sizes(tests, counts=None) -> tuple[int, int]:
    """The static block sizes of `accuracy_core` for the folds `tests: [..., F, m]` (0/1 masks) of
    rows with `counts: [..., m]` (default all 1): the most training rows and the most held-out
    rows with a count of any fold, each rounded up by `resample.padded_size` so that the draws of one
    analysis share a compiled program."""
    tests = np.asarray(tests)
    m = tests.shape[-1]
    present = np.ones(m) if counts is None else (np.asarray(counts) > 0)[..., None, :]
    held = (tests * present).sum(axis=-1)
    train = ((1 - tests) * present).sum(axis=-1)
    return padded_size(train.max(), m), padded_size(held.max(), m)


def primal_accuracy_core(Z: jax.Array, Y: jax.Array, counts: jax.Array, tests: jax.Array,
                         ridge: float = RIDGE) -> jax.Array:
    """`[B]` `accuracy_core` in the primal form, unbatched: the rows `Z: [n, d]` (standardised)
    each taken `counts[i]` times (`[n]`; a bootstrap draw's copies, 0 for rows not drawn),
    labellings `Y: [B, n]`, folds `tests: [F, n]` (copies of a row share its fold)."""
    d = Z.shape[1]
    signs = 2.0 * Y - 1.0  # [B, n]

    def fold(test):
        train = counts * (1.0 - test)
        weights = train / jnp.sum(train)
        Zc = Z - weights @ Z
        alpha = _alpha(ridge, jnp.sum(Zc * Zc, axis=1), train)
        H = (Zc.T * train) @ Zc + alpha * jnp.eye(d, dtype=Z.dtype)
        offset = signs @ weights  # [B]
        rhs = (Zc.T * train) @ (signs.T - offset)  # [d, B]
        w = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(H), rhs)
        correct = (Zc @ w + offset > 0) == (Y.T > 0)  # [n, B]
        return (test * counts) @ correct.astype(Z.dtype)  # [B]

    return jnp.sum(jax.lax.map(fold, tests), axis=0) / jnp.sum(counts)


def checked_ridge(ridge: float) -> float:
    """`ridge` as a float in [1e-4, 1e4] (A's condition number grows as rows / ridge)."""
    if isinstance(ridge, bool) or not isinstance(ridge, (int, float)) or not 1e-4 <= ridge <= 1e4:
        raise AlignscopeError(f"ridge={ridge!r} is not accepted; use a number in [1e-4, 1e4]")
    return float(ridge)


def accuracy(K: jax.Array, Y: jax.Array, tests: jax.Array, ridge: float = RIDGE) -> jax.Array:
    """`[..., B]` `accuracy_core` over the leading (layer) axes of `K: [..., m, m]`, each row once;
    `Y: [B, m]` and `tests: [F, m]` are shared."""
    return _accuracy(K, Y, tests, ridge=checked_ridge(ridge), sizes=fold_sizes(tests))


@functools.partial(jax.jit, static_argnames=("ridge", "sizes"))
def _accuracy(K, Y, tests, ridge, sizes):
    core = lambda K, Y, tests: accuracy_core(K, Y, jnp.ones(K.shape[-1], K.dtype), tests, ridge, sizes)
    return over_leading(core, (K, Y, tests), (2, 2, 2), sequential=True)


def bootstrap_accuracy(K: jax.Array, rows: jax.Array, counts: jax.Array, y: jax.Array, tests: jax.Array,
                       ridge: float = RIDGE) -> jax.Array:
    """`[..., R]` accuracy of bootstrap draws of the layer whose Gram is `K: [..., n, n]`: replica r
    holds the distinct rows `rows[r]: [U]` taken `counts[r]` times (`resample.distinct_draws`), labelled
    `y[r]: [U]`, with folds `tests[r]: [F, U]` (copies of a row share its fold)."""
    ridge, sizes = checked_ridge(ridge), fold_sizes(tests, counts)
    return host_threads.over_threads(
        lambda *draws: _bootstrap_accuracy(K, *draws, ridge=ridge, sizes=sizes), (rows, counts, y, tests), out_axis=-1)


@functools.partial(jax.jit, static_argnames=("ridge", "sizes"))
def _bootstrap_accuracy(K, rows, counts, y, tests, ridge, sizes):
    def per_layer(K, rows, counts, y, tests):
        def replica(args):
            taken, copies, labels, folds = args
            return accuracy_core(K[taken][:, taken], labels[None], copies, folds, ridge, sizes)[0]

        return jax.lax.map(replica, (rows, counts, y, tests))

    return over_leading(per_layer, (K, rows, counts, y, tests), (2, 2, 2, 2, 3), sequential=True)


@functools.partial(jax.jit, static_argnames=("ridge",))
def primal_accuracy(Z: jax.Array, Y: jax.Array, counts: jax.Array, tests: jax.Array,
                    ridge: float = RIDGE) -> jax.Array:
    """`[..., R]` `primal_accuracy_core` over the leading (layer) axes of `Z: [..., n, d]`, for R
    replicas: `counts: [R, n]` and `tests: [R, F, n]` per replica, `Y: [R, n]` labels of each
    replica's rows, or `Y: [B, n]` with R = 1 (`counts: [1, n]`, `tests: [1, F, n]`) for B
    labellings of the same rows and folds."""
    ridge = checked_ridge(ridge)

    def per_layer(Z, Y, counts, tests):
        if counts.shape[0] == 1:
            return primal_accuracy_core(Z, Y, counts[0], tests[0], ridge)
        return jax.lax.map(lambda a: primal_accuracy_core(Z, a[0][None], a[1], a[2], ridge)[0],
                           (Y, counts, tests))

    return over_leading(per_layer, (Z, Y, counts, tests), (2, 2, 2, 3), sequential=True)
