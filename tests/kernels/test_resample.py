"""kernels.resample: given draws reproduce a plain loop; intervals and p-values follow their formulas."""

import functools

import numpy as np
import pytest

from alignscope.errors import AlignscopeError
from alignscope.kernels import cka, resample, separation


def data(n=40, d=5, layers=2, seed=0, shift=0.5):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3 == 0).astype(int)  # unbalanced, so swapping n0 and n1 shows
    X = rng.normal(size=(layers, n, d))
    X[:, y == 1] += shift
    return X, y


@pytest.mark.parametrize("route", ["gram", "batched"])
def test_bootstrap_on_given_indices_equals_loop(route):
    """The public metric is resampled on the Gram path; a wrapper of it on batches of gathered
    replicas (3 calls, the last padded). The loop's labels carry the layer axis, which keeps
    each call on the feature path, so the two sides are computed apart."""
    X, y = data()
    indices = resample.bootstrap_indices(40, 7, labels=y, seed=3)
    public = functools.partial(separation.fisher_ratio, shrinkage="auto")
    metric = public if route == "gram" else lambda X, y: public(X, y)
    got = resample.bootstrap(metric, X, labels=y, indices=indices, batch_size=3)
    loop = np.stack([public(X[:, i], np.broadcast_to(y[i], (2, 40))) for i in np.asarray(indices)])
    # float32, two algorithms on the "gram" route: Fisher's conjugate gradients stop at a 1e-6
    # relative residual, against Woodbury's Cholesky solve on the loop's side.
    np.testing.assert_allclose(got.replicas, loop, rtol=1e-5)
    np.testing.assert_allclose(got.estimate, metric(X, y), rtol=1e-6)
    low, high = np.quantile(loop, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(got.low, low, rtol=1e-5)
    np.testing.assert_allclose(got.high, high, rtol=1e-5)


def test_bootstrap_of_cka_resamples_rows_together():
    X, _ = data()
    Y = np.tanh(X[0])
    indices = resample.bootstrap_indices(40, 5, seed=1)
    got = resample.bootstrap(cka.linear_cka, X, Y, indices=indices)
    loop = np.stack([cka.linear_cka(X[:, i], Y[i]) for i in np.asarray(indices)])
    np.testing.assert_allclose(got.replicas, loop, rtol=1e-5)
    assert got.replicas.shape == (5, 2)


def test_stratified_draws_keep_each_label():
    _, y = data(n=41)
    indices = np.asarray(resample.bootstrap_indices(41, 200, labels=y))
    assert (y[indices] == y).all()
    assert indices.min() >= 0 and indices.max() <= 40
    assert len(np.unique(indices)) == 41  # every row drawn somewhere in 200 replicas


def test_permutation_test_on_given_indices_equals_loop():
    X, y = data(shift=0.0)
    indices = resample.permutation_indices(40, 9, seed=2)
    assert (np.sort(np.asarray(indices), axis=1) == np.arange(40)).all()
    metric = separation.between_class_variance_ratio
    got = resample.permutation_test(metric, X, labels=y, indices=indices, batch_size=4)
    null = np.stack([metric(X, y[i]) for i in np.asarray(indices)])
    np.testing.assert_allclose(got.null, null, rtol=1e-6)
    statistic = np.asarray(metric(X, y))
    np.testing.assert_allclose(got.p_value, (1 + (null >= statistic).sum(0)) / 10)


def test_permutation_p_values_separate_signal_from_noise():
    X, y = data(shift=3.0)
    signal = resample.permutation_test(separation.silhouette_score, X, labels=y, num_permutations=99)
    np.testing.assert_allclose(signal.p_value, 0.01)
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(40, 3))
    noise = resample.permutation_test(cka.linear_cka, X[0], Y, num_permutations=99, seed=5)
    assert noise.p_value > 0.05
    related = resample.permutation_test(cka.linear_cka, X[0], X[0] @ rng.normal(size=(5, 3)), num_permutations=99)
    np.testing.assert_allclose(related.p_value, 0.01)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=y, indices=np.full((3, 40), 40)), r"\[0, 40\)"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=y, indices=np.zeros((3, 39), int)), "shape"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=y, indices=np.zeros((3, 40))), "dtype"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=y, level=95), "level=95"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=y[:30]), "one n"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, labels=y), "features"),
        (lambda X, y: resample.bootstrap(separation.fisher_ratio, X, labels=np.stack([y, y])), "one labelling"),
        (lambda X, y: resample.permutation_test(cka.linear_cka, X, X, num_permutations=0), "num_replicas=0"),
        (lambda X, y: resample.permutation_test(cka.linear_cka, X, X, batch_size=0), "batch_size=0"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(AlignscopeError, match=match):
        call(*data())
