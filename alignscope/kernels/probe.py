"""Linear probes: L2-regularised logistic regression on `X: [..., n, d]`, labels `y: [..., n]`.

X is centred once on the mean of all its rows (so float32 keeps its digits under large feature
offsets), then standardised with the training rows' mean and standard deviation (folded into the
returned weights, so no standardised copy of X is made), and the convex objective
mean log-loss + l2/2 ‖w‖² (w on standardised features, bias unpenalised) is minimised with
optax L-BFGS for a fixed number of steps. This is scikit-learn's `LogisticRegression(C)` on
standardised features with C = 1 / (l2 · n_train). Everything is vmapped over leading axes
(layers) and, for cross-validation, over folds.
"""

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks
from alignscope.kernels.leading_axes import over_leading
from alignscope.kernels.precision import full_precision


class Probe(NamedTuple):
    """A fitted probe in the original feature space: P(harmful | x) = sigmoid(x·weights + bias).

    Attributes:
      weights: `[..., d]`.
      bias: `[...]`.
    """

    weights: jax.Array
    bias: jax.Array


@full_precision
def fit(X: jax.Array, y: jax.Array, l2: float = 1e-3, steps: int = 100) -> Probe:
    """Probe trained on all rows of `X: [..., n, d]` with labels `y: [..., n]`."""
    X = checks.features(X)
    y = checks.labels(y, X)
    l2, steps = _checked_options(l2, steps)
    train = jnp.ones(X.shape[-2], X.dtype)
    return _fit(X, y, train, jnp.asarray(l2, X.dtype), steps=steps)


@full_precision
def accuracy(probe: Probe, X: jax.Array, y: jax.Array) -> jax.Array:
    """`[...]` fraction of rows of `X: [..., n, d]` the probe labels correctly, in [0, 1]."""
    X = checks.features(X)
    y = checks.labels(y, X, min_per_class=0)
    if probe.weights.shape[-1] != X.shape[-1]:
        raise AlignscopeError(
            f"X has {X.shape[-1]} features but the probe has {probe.weights.shape[-1]}; use a probe"
            " fitted on the same features"
        )
    return _accuracy(probe, X, y)


def group_folds(n: int, num_folds: int = 5, groups: Any = None, seed: int = 0) -> np.ndarray:
    """`[n]` fold index of each example; examples with equal `groups[i]` share a fold.

    Groups (texts, pair ids, any values) are shuffled with `seed`, then placed largest first into
    the fold with the fewest examples, as scikit-learn's GroupKFold balances them.
    """
    groups = np.arange(n) if groups is None else np.asarray(groups)
    if groups.shape != (n,):
        raise AlignscopeError(
            f"groups have shape {groups.shape}; pass one group per example, shape ({n},)"
        )
    _, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    num_folds = checks.count(num_folds, "num_folds", 2, len(sizes))
    shuffled = np.random.default_rng(seed).permutation(len(sizes))
    order = shuffled[np.argsort(-sizes[shuffled], kind="stable")]
    filled = [0] * num_folds
    chosen = []  # fold of each group in `order`; Python ints, as a bootstrap draw calls this per replica
    for size in sizes[order].tolist():
        fold = filled.index(min(filled))
        chosen.append(fold)
        filled[fold] += size
    fold_of_group = np.empty(len(sizes), np.int64)
    fold_of_group[order] = chosen
    return fold_of_group[inverse.reshape(-1)]


@full_precision
def cross_validated_accuracy(
    X: jax.Array,
    y: jax.Array,
    groups: Any = None,
    num_folds: int = 5,
    l2: float = 1e-3,
    steps: int = 100,
    seed: int = 0,
) -> jax.Array:
    """`[...]` held-out accuracy of `num_folds`-fold cross-validated probes, in [0, 1].

    Every example is scored once, by the probe trained on the other folds; folds come from
    `group_folds`, so identical texts (equal `groups`) never sit on both sides of a split.
    """
    X = checks.features(X)
    y = checks.labels(y, X)
    l2, steps = _checked_options(l2, steps)
    folds = group_folds(X.shape[-2], num_folds, groups, seed)
    test = folds[None, :] == np.arange(folds.max() + 1)[:, None]
    train_y = np.asarray(y)[..., None, :] * ~test
    train_n = (~test).sum(axis=-1)
    if (train_y.sum(axis=-1) == 0).any() or (train_y.sum(axis=-1) == train_n).any():
        raise AlignscopeError(
            "a training split holds only one class; use fewer folds or more examples per class"
        )
    return _cross_validated(X, y, jnp.asarray(test, X.dtype), jnp.asarray(l2, X.dtype), steps=steps)


def _checked_options(l2, steps) -> tuple[float, int]:
    if not float(l2) > 0:
        raise AlignscopeError(f"l2={l2!r} is not accepted; use a positive regularisation strength")
    return float(l2), checks.count(steps, "steps", 1, 100_000)


def _fit_one(X, y, train, l2, steps):
    """Probe on the rows of one `X: [n, d]` where `train: [n]` is 1.

    X should be centred over all rows (see `_centred`), so the training mean is small and the
    variance, formed from differences to it, and the logits X·w′ + (b − mean·w′) lose no float32
    digits to large feature offsets (LLM "massive activations").
    """
    count = jnp.sum(train)
    mean = train @ X / count
    var = train @ jnp.square(X - mean) / count
    scale = jnp.where(var > 0, jnp.sqrt(var), 1.0)

    def loss(params):
        w, b = params
        logits = X @ (w / scale) + (b - mean @ (w / scale))
        losses = optax.sigmoid_binary_cross_entropy(logits, y)
        return train @ losses / count + 0.5 * l2 * jnp.sum(w * w)

    solver = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(loss)

    def step(carry, _):
        params, state = carry
        value, grad = value_and_grad(params, state=state)
        updates, state = solver.update(
            grad, state, params, value=value, grad=grad, value_fn=loss
        )
        return (optax.apply_updates(params, updates), state), None

    params = (jnp.zeros(X.shape[1], X.dtype), jnp.zeros((), X.dtype))
    (params, _), _ = jax.lax.scan(step, (params, solver.init(params)), None, length=steps)
    w, b = params
    return Probe(weights=w / scale, bias=b - mean @ (w / scale))


def _centred(X):
    """`X: [n, d]` less its mean over all rows, and that mean `[d]`."""
    center = X.mean(axis=0)
    return X - center, center


def _fit_all(X, y, train, l2, steps):
    """`_fit_one` on globally centred X, returned in X's own coordinates."""
    Xc, center = _centred(X)
    probe = _fit_one(Xc, y, train, l2, steps)
    return Probe(weights=probe.weights, bias=probe.bias - center @ probe.weights)


def _correct(probe, X, y):
    """`[n]` 1. where the probe's label matches y."""
    return ((X @ probe.weights + probe.bias > 0) == (y > 0)).astype(X.dtype)


@functools.partial(jax.jit, static_argnames=("steps",))
def _fit(X, y, train, l2, steps):
    core = functools.partial(_fit_all, train=train, l2=l2, steps=steps)
    return over_leading(core, (X, y), (2, 1))


@jax.jit
def _accuracy(probe, X, y):
    core = lambda w, b, X, y: jnp.mean(_correct(Probe(w, b), X, y))
    return over_leading(core, (probe.weights, probe.bias, X, y), (1, 0, 2, 1))


def _cross_validated_one(X, y, test, l2, steps):
    X, _ = _centred(X)  # once, before the folds; held-out rows are scored in the same frame

    def fold(test_mask):
        probe = _fit_one(X, y, 1.0 - test_mask, l2, steps)
        return test_mask @ _correct(probe, X, y)

    return jnp.sum(jax.vmap(fold)(test)) / X.shape[0]


@functools.partial(jax.jit, static_argnames=("steps",))
def _cross_validated(X, y, test, l2, steps):
    core = functools.partial(_cross_validated_one, test=test, l2=l2, steps=steps)
    return over_leading(core, (X, y), (2, 1))
