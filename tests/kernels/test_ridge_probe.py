"""kernels.ridge_probe against scikit-learn's RidgeClassifier on StandardScaler features, fold by
fold, in both forms (dual from the Gram, primal on weighted rows): in float64 the cross-validated
accuracies are equal (a 1.5x alpha, or an uncentred Gram in
the decision, fails these tests); in float32 the accuracy is off by at most one row in a hundred (a
near-tie); invariance to per-feature scale, offset and order by hypothesis."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.linear_model import RidgeClassifier
from sklearn.preprocessing import StandardScaler

from alignscope.errors import AlignscopeError
from alignscope.kernels import probe, resample, ridge_probe


def sklearn_accuracy(X, y, folds, fit_on=None):
    """Cross-validated accuracy of RidgeClassifier(alpha = RIDGE x mean squared norm of the centred
    training rows) on features standardised over `fit_on` (default X)."""
    Z = StandardScaler().fit(X if fit_on is None else fit_on).transform(X)
    correct = 0
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        alpha = ridge_probe.RIDGE * np.mean(np.sum((Z[train] - Z[train].mean(0)) ** 2, axis=1))
        correct += np.sum(RidgeClassifier(alpha=alpha).fit(Z[train], y[train]).predict(Z[test]) == y[test])
    return correct / len(y)


def data(n, d, seed, shift=0.3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.int64)
    y[:2] = (0, 1)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, d) + 100.0 + shift * y[:, None]
    return X, y


def fold_masks(folds):
    return folds[None] == np.arange(folds.max() + 1)[:, None]


@pytest.mark.parametrize("n,d", [(40, 300), (120, 16), (64, 64)])
def test_matches_ridge_classifier_float64(n, d):
    X, y = data(n, d, seed=n + d)
    X[:, 3] = 5.0  # a constant feature: centred, not scaled
    folds = probe.group_folds(n, 5, None, seed=1)
    labellings = np.stack([y, np.random.default_rng(0).permutation(y)])
    with jax.enable_x64(True):
        K = ridge_probe.standardized_gram(jnp.asarray(X))
        got = ridge_probe.accuracy(K, jnp.asarray(labellings, jnp.float64), jnp.asarray(fold_masks(folds), jnp.float64))
        Z = ridge_probe.standardized(jnp.asarray(X))
        primal = ridge_probe.primal_accuracy(Z, jnp.asarray(labellings, jnp.float64), jnp.ones((1, n)),
                                             jnp.asarray(fold_masks(folds)[None], jnp.float64))
    for b, labels in enumerate(labellings):
        assert float(got[b]) == pytest.approx(sklearn_accuracy(X, labels, folds), abs=1e-12)
        assert float(primal[b]) == pytest.approx(float(got[b]), abs=1e-12)


def test_bootstrap_draws_gather_the_gram_and_keep_the_language_scaling():
    X, y = data(50, 80, seed=3, shift=0.6)
    rng = np.random.default_rng(4)
    positions = rng.integers(0, len(y), size=(3, len(y)))  # rows drawn with replacement
    folds = np.stack([probe.group_folds(len(y), 4, rows, seed=0) for rows in positions])  # copies together
    with jax.enable_x64(True):
        K = ridge_probe.standardized_gram(jnp.asarray(X))
        rows, copies, labels, fold_of = resample.distinct_draws(positions, y[positions], folds)
        assert rows.shape[1] < len(y)  # the distinct rows of each draw, fewer than its copies
        got = ridge_probe.bootstrap_accuracy(K, jnp.asarray(rows), jnp.asarray(copies, jnp.float64),
                                             jnp.asarray(labels, jnp.float64),
                                             jnp.asarray((fold_of[:, None] == np.arange(4)[:, None]), jnp.float64))
        # the primal form: each language row weighted by its copies, the fold its copies share
        counts = np.stack([np.bincount(rows, minlength=len(y)) for rows in positions])
        fold_of_row = np.zeros_like(counts)
        np.put_along_axis(fold_of_row, positions, folds, axis=1)
        primal = ridge_probe.primal_accuracy(
            ridge_probe.standardized(jnp.asarray(X)), jnp.asarray(np.broadcast_to(y, counts.shape), jnp.float64),
            jnp.asarray(counts, jnp.float64), jnp.asarray(np.stack([fold_masks(f) for f in fold_of_row]), jnp.float64))
    for r, rows in enumerate(positions):
        assert float(got[r]) == pytest.approx(sklearn_accuracy(X[rows], y[rows], folds[r], fit_on=X), abs=1e-12)
        assert float(primal[r]) == pytest.approx(float(got[r]), abs=1e-12)


def test_float32_within_one_row_in_a_hundred():
    X, y = data(200, 512, seed=5)
    folds = probe.group_folds(len(y), 5, None, seed=0)
    K = ridge_probe.standardized_gram(jnp.asarray(X, jnp.float32))
    got = float(ridge_probe.accuracy(K, jnp.asarray(y[None], jnp.float32), jnp.asarray(fold_masks(folds), jnp.float32))[0])
    assert abs(got - sklearn_accuracy(X, y, folds)) <= 0.01


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), scale=st.floats(1e-3, 1e3), offset=st.floats(-1e3, 1e3))
def test_invariant_to_per_feature_scale_offset_and_order(seed, scale, offset):
    X, y = data(30, 12, seed=seed, shift=1.0)
    folds = probe.group_folds(len(y), 3, None, seed=seed)
    rng = np.random.default_rng(seed)
    order, scales = rng.permutation(X.shape[1]), scale * rng.uniform(0.5, 2.0, X.shape[1])
    with jax.enable_x64(True):
        tests = jnp.asarray(fold_masks(folds), jnp.float64)
        Y = jnp.asarray(y[None], jnp.float64)
        plain = ridge_probe.accuracy(ridge_probe.standardized_gram(jnp.asarray(X)), Y, tests)
        moved = ridge_probe.accuracy(ridge_probe.standardized_gram(jnp.asarray(X[:, order] * scales + offset)), Y, tests)
    assert float(plain[0]) == float(moved[0])


@pytest.mark.parametrize("value", [0.0, 3.7, 1e4 / 3])
def test_a_layer_without_variance_calls_each_folds_training_majority(value):
    # e.g. --pooling=first on a BOS token: every feature constant (up to float32 rounding)
    n = 40
    y = (np.arange(n) % 4 == 0).astype(np.int64)  # 25% harmful: the majority is harmless
    folds = probe.group_folds(n, 5, None, seed=0)
    X = np.full((n, 16), value, np.float32)
    K = ridge_probe.standardized_gram(jnp.asarray(X))
    assert float(jnp.abs(K).max()) == 0.0
    got = float(ridge_probe.accuracy(K, jnp.asarray(y[None], jnp.float32), jnp.asarray(fold_masks(folds), jnp.float32))[0])
    majority = [int(y[folds != f].mean() > 0.5) for f in range(5)]
    assert got == pytest.approx(np.mean([y[i] == majority[folds[i]] for i in range(n)]))
    assert got == pytest.approx(0.75)


def test_features_differing_by_rounding_are_constant():
    X, y = data(60, 6, seed=2)
    base = np.float32(1000.0)
    X = X.astype(np.float32)
    X[:, 0] = np.where(np.arange(60) % 2, base, np.nextafter(base, np.float32(2000.0)))  # one ulp apart
    with_ulp = ridge_probe.standardized_gram(jnp.asarray(X))
    without = ridge_probe.standardized_gram(jnp.asarray(X[:, 1:]))
    np.testing.assert_allclose(with_ulp, without, rtol=1e-6, atol=1e-5)


def test_ridge_out_of_range_is_one_clear_error():
    K = jnp.eye(4)
    with pytest.raises(AlignscopeError, match=r"ridge=0 is not accepted; use a number in \[1e-4, 1e4\]"):
        ridge_probe.accuracy(K, jnp.zeros((1, 4)), jnp.ones((1, 4)), ridge=0)


def test_padding_the_fold_blocks_changes_nothing():
    # Folds of unequal size (groups of 7 rows); the fold blocks padded to all m rows (every
    # held-out row an identity row) give the same decisions as the tightest blocks.
    X, y = data(90, 40, seed=3)
    groups = np.arange(90) // 7
    folds = probe.group_folds(90, 5, groups, seed=2)
    tests = fold_masks(folds).astype(np.float64)
    held = tests.sum(1)
    assert held.min() < held.max()
    tight = (int(90 - held.min()), int(held.max()))
    with jax.enable_x64(True):
        K = ridge_probe.standardized_gram(jnp.asarray(X))
        Y = jnp.asarray(np.stack([y, np.random.default_rng(1).permutation(y)]), jnp.float64)
        got = {sizes: np.asarray(ridge_probe.accuracy_core(K, Y, jnp.ones(90), jnp.asarray(tests), ridge_probe.RIDGE,
                                                           sizes))
               for sizes in (tight, (90, 90), ridge_probe.fold_sizes(tests))}
    assert got[tight][0] == pytest.approx(sklearn_accuracy(X, y, folds), abs=1e-12)
    for value in got.values():
        np.testing.assert_array_equal(value, got[tight])
