"""The Gram-first path (kernels.gram, .eigen, .gram_metrics, .gram_separation) against float64
numpy and scikit-learn formulas on the activations themselves.

Tolerances: float64 runs agree to 1e-8 relative (the eigen and CG solves stop at 1e-10 and
1e-11 residuals); float32 runs to 1e-4 relative (the issue's goal), 1e-5 absolute for the
[-1, 1] silhouette.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import silhouette_score as sk_silhouette

from alignscope.errors import AlignscopeError

from alignscope.kernels import eigen, gram, gram_separation, resample
from tests.kernels.test_analysis import silhouette_with_copies_ref
from tests.kernels.test_separation import between_ref, bhattacharyya_ref, fisher_ref

# n < d (the Gram path's home) with n not a multiple of the Gram's row blocks, and n ≥ d.
SHAPES = [(45, 120), (70, 12)]


def activations(n, d, seed=0, layers=None):
    """Low-rank signal with a spectral gap after 10 components, noise, an offset and a class
    shift, as real activations look; labels unbalanced (n1 ≈ 0.4 n)."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 5 < 2).astype(int)
    rank = min(14, d)
    spectrum = np.r_[np.linspace(12, 6, 10), np.full(rank - 10, 1.5)][:rank]
    basis = np.linalg.qr(rng.normal(size=(d, rank)))[0]
    shape = (n,) if layers is None else (layers, n)
    X = (rng.normal(size=shape + (rank,)) * spectrum) @ basis.T
    X = X + 0.3 * rng.normal(size=shape + (d,)) + 4.0 + 2.0 * y[:, None] * rng.normal(size=d) / np.sqrt(d)
    return X, y


def references(X, y):
    """float64 numpy / scikit-learn values of `gram_separation.gram_metric_names()` on X itself."""
    Xc = X - X.mean(0)
    s2 = np.linalg.svd(Xc, compute_uv=False) ** 2
    k = min(10, X.shape[0] - 1, X.shape[1])
    return [s2[:2].sum() / s2.sum(), between_ref(X, y, 2), between_ref(X, y, k),
            fisher_ref(X, y, "auto")[0], bhattacharyya_ref(X, y, k), sk_silhouette(X, y)]


def relative(actual, expected, x64):
    np.testing.assert_allclose(actual, expected, rtol=1e-8 if x64 else 1e-4, atol=1e-12 if x64 else 1e-5)


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("x64", [False, True])
def test_centred_gram_matches_numpy(n, d, x64):
    X, _ = activations(n, d, layers=2)
    Xc = X - X.mean(axis=-2, keepdims=True)
    expected = Xc @ np.swapaxes(Xc, -1, -2)
    with jax.enable_x64(x64):
        K = gram.centred_gram(X)
        assert K.dtype == (np.float64 if x64 else np.float32) and K.shape == (2, n, n)
        scale = np.abs(expected).max()
        np.testing.assert_allclose(np.asarray(K) / scale, expected / scale, atol=1e-13 if x64 else 2e-6)


def test_resampled_gram_is_the_gram_of_the_drawn_rows():
    X, _ = activations(45, 120)
    idx = np.random.default_rng(2).integers(0, 45, size=(3, 40))
    with jax.enable_x64(True):
        got = gram.resampled(gram.centred_gram(X), idx)
        expected = np.stack([gram.centred_gram(X[rows]) for rows in idx])
    np.testing.assert_allclose(got, expected, atol=1e-10)


@pytest.mark.parametrize("x64", [False, True])
def test_top_eigenpairs_match_eigh(x64):
    X, _ = activations(80, 200)
    Xc = X - X.mean(0)
    values, vectors = np.linalg.eigh(Xc @ Xc.T)
    values, vectors = values[::-1][:10], vectors[:, ::-1][:, :10]
    with jax.enable_x64(x64):
        got = eigen.top_eigenpairs(gram.centred_gram(X), 10)
    assert bool(got.converged) and int(got.steps) < eigen.MAX_STEPS
    relative(got.values, values, x64)
    # Each vector up to sign: |v·v_ref| = 1.
    np.testing.assert_allclose(np.abs(np.sum(np.asarray(got.vectors) * vectors, axis=0)), 1.0,
                               atol=1e-9 if x64 else 1e-4)


@pytest.mark.parametrize("n,d,x64", [(45, 120, False), (45, 120, True), (70, 12, True)])
def test_metrics_match_references(n, d, x64):
    X, y = activations(n, d, layers=2, seed=3)
    permuted = np.random.default_rng(4).permutation(y)
    Y = np.stack([y, permuted])  # the estimate and a permutation replica share K's eigenpairs
    with jax.enable_x64(x64):
        stats = gram_separation.layer_statistics(X)
        got = gram_separation.metric_values(stats, Y, d)
    assert got.shape == (2, 2, len(gram_separation.gram_metric_names()))
    for layer in range(2):
        for r, labels in enumerate(Y):
            relative(got[layer, r], references(X[layer], labels), x64)


@pytest.mark.parametrize("n", [45, 300])  # exact eigh below eigen.EXACT_BELOW distinct rows; subspace iteration above
def test_bootstrap_replicas_equal_metrics_of_the_drawn_rows(n):
    """A replica is computed on the draw's distinct rows weighted by their copies; its metrics
    are those of the drawn rows, duplicates included."""
    X, y = activations(n, 120, seed=5, layers=2)
    rng = np.random.default_rng(6)
    # Stratified draws, so both classes keep their size; the same draws for both layers.
    idx = np.stack([np.concatenate([rng.choice(np.flatnonzero(y == c), (y == c).sum()) for c in (0, 1)])
                    for _ in range(3)])
    width = resample.distinct_draws(idx)[0].shape[1]
    assert (width > eigen.EXACT_BELOW) == (n > 100)  # which eigen path the replicas take
    with jax.enable_x64(True):
        got = gram_separation.bootstrap_values(gram_separation.layer_statistics(X), idx, y[idx], 120)
    assert got.shape == (2, 3, len(gram_separation.gram_metric_names()))
    for layer in range(2):
        for r, rows in enumerate(idx):
            expected = references(X[layer, rows], y[rows])
            expected[-1] = silhouette_with_copies_ref(X[layer, rows], y[rows], rows)  # copies are one point
            np.testing.assert_allclose(got[layer, r], expected, rtol=1e-8)


def test_fisher_flags_an_unshrunk_singular_covariance():
    # Two features, each a multiple of the labels: the within-class scatter is zero, Ledoit–Wolf's
    # λ is 0/0 := 0 and the ratio is undefined, so it is NaN rather than a number.
    y = np.array([0, 1] * 10)
    X = np.stack([y, 2 * y], axis=1).astype(float)
    with jax.enable_x64(True):
        got = gram_separation.metric_values(gram_separation.layer_statistics(X, k=1), y[None], 2,
                                            metrics=("fisher",))
    assert np.isnan(np.asarray(got)).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-100, 100), scale=st.floats(0.1, 10))
def test_invariant_to_translation_row_order_label_swap_and_scale(seed, shift, scale):
    # Same shapes as test_metrics_match_references (float64), so nothing compiles again.
    X, y = activations(45, 120, seed=seed, layers=2)
    order = np.random.default_rng(seed).permutation(45)
    Y = np.stack([y, 1 - y])
    scale_free = np.array([1, 1, 1, 1, 1, 0])  # every metric but silhouette is scale-free
    with jax.enable_x64(True):
        base = np.asarray(gram_separation.metric_values(gram_separation.layer_statistics(X), Y, 120))
        moved = gram_separation.metric_values(
            gram_separation.layer_statistics(scale * X[:, order] + shift), Y[:, order], 120)
    np.testing.assert_allclose(np.where(scale_free, moved, base), base, rtol=1e-7)
    np.testing.assert_allclose(base[:, 1], base[:, 0], rtol=1e-7)  # swapping the labels


def test_bad_input_raises():
    stats = gram_separation.LayerStatistics(gram=np.eye(3), eig=None)
    with pytest.raises(AlignscopeError, match="metrics=.*not accepted"):
        gram_separation.metric_values(stats, np.zeros((1, 3)), 30, metrics=("nope",))
    with pytest.raises(AlignscopeError, match="K has shape"):
        eigen.top_eigenpairs(np.zeros((3, 4)), 2)
