"""kernels.probe against scikit-learn's LogisticRegression on standardised features, same folds."""

import jax
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from alignscope.errors import AlignscopeError
from alignscope.kernels import probe

L2 = 1e-2


def data(n=120, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d) + 3.0
    y = ((X - 3.0) @ rng.normal(size=d) / 10 + rng.normal(size=n) > 0).astype(int)
    return X, y


def sklearn_probe(X, y):
    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=1 / (L2 * len(y)), tol=1e-12, max_iter=10_000)
    model.fit(scaler.transform(X), y)
    w = model.coef_[0] / scaler.scale_
    return w, model.intercept_[0] - scaler.mean_ @ w


@pytest.mark.parametrize("x64", [False, True])
def test_fit_matches_sklearn(x64):
    X, y = data()
    w, b = sklearn_probe(X, y)
    with jax.enable_x64(x64):
        fitted = probe.fit(X, y, l2=L2)
        assert fitted.weights.dtype == (np.float64 if x64 else np.float32)
        tol = 1e-6 if x64 else 1e-4
        np.testing.assert_allclose(fitted.weights, w, atol=tol * np.abs(w).max())
        np.testing.assert_allclose(fitted.bias, b, atol=tol * max(1, abs(b)))


def test_float32_fit_is_unaffected_by_a_large_feature_offset():
    X, y = data(n=400, d=16, seed=5)
    X = X + 3000.0  # LLM "massive activations": offsets far above the spread
    w, b = sklearn_probe(X, y)
    fitted = probe.fit(X, y, l2=L2)
    assert fitted.weights.dtype == np.float32
    np.testing.assert_allclose(fitted.weights, w, atol=1e-4 * np.abs(w).max())
    np.testing.assert_allclose(probe.accuracy(fitted, X, y), np.mean((X @ w + b > 0) == y))


def test_group_folds_keep_groups_together_and_balance():
    groups = np.repeat(np.arange(30), np.arange(30) % 4 + 1)  # groups of 1 to 4 rows
    folds = probe.group_folds(len(groups), 5, groups, seed=1)
    for g in np.unique(groups):
        assert len(np.unique(folds[groups == g])) == 1
    sizes = np.bincount(folds)
    assert len(sizes) == 5 and sizes.max() - sizes.min() <= 4
    assert (probe.group_folds(len(groups), 5, groups, seed=1) == folds).all()


def test_cross_validated_accuracy_matches_sklearn_on_same_folds():
    X, y = data(seed=2)
    groups = np.arange(len(y)) // 3
    folds = probe.group_folds(len(y), 4, groups, seed=0)
    correct = 0
    for f in range(4):
        w, b = sklearn_probe(X[folds != f], y[folds != f])
        correct += ((X[folds == f] @ w + b > 0) == y[folds == f]).sum()
    with jax.enable_x64(True):
        got = probe.cross_validated_accuracy(X, y, groups=groups, num_folds=4, l2=L2)
    np.testing.assert_allclose(got, correct / len(y))


def test_batched_over_layers_equals_loop():
    X, y = data(seed=3)
    layers = np.stack([X, X[:, ::-1] * 0.5, np.random.default_rng(0).normal(size=X.shape)])
    batched = probe.cross_validated_accuracy(layers, y, num_folds=3, l2=L2)
    fitted = probe.fit(layers, y, l2=L2)
    train = probe.accuracy(fitted, layers, y)
    for i in range(3):
        np.testing.assert_allclose(batched[i], probe.cross_validated_accuracy(layers[i], y, num_folds=3, l2=L2))
        np.testing.assert_allclose(train[i], probe.accuracy(probe.fit(layers[i], y, l2=L2), layers[i], y))
    assert batched[0] > 0.7 and batched[2] < 0.7  # signal, and noise


def test_separable_classes_are_probed_perfectly():
    X, y = data(seed=4)
    X[:, 0] += 100 * y
    np.testing.assert_allclose(probe.cross_validated_accuracy(X, y, num_folds=3), 1.0)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda X, y: probe.cross_validated_accuracy(X, y, num_folds=200), "num_folds=200"),
        (lambda X, y: probe.cross_validated_accuracy(X, y, groups=y, num_folds=2), "one class"),
        (lambda X, y: probe.cross_validated_accuracy(X, y, groups=np.arange(5)), "groups have shape"),
        (lambda X, y: probe.fit(X, y, l2=0), "l2=0"),
        (lambda X, y: probe.fit(X, np.zeros(120)), "only 0"),
        (lambda X, y: probe.fit(X, np.r_[1, np.zeros(119)]), "only 1 example"),
        (lambda X, y: probe.cross_validated_accuracy(X, np.r_[np.ones(119), 0], num_folds=2), "only 1 example"),
        (lambda X, y: probe.fit(np.where(X > 12, np.nan, X), y), "NaN"),
        (lambda X, y: probe.accuracy(probe.fit(X, y), X[:, :5], y), "12"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(AlignscopeError, match=match):
        call(*data())
