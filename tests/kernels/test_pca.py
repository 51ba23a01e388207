"""kernels.pca against scikit-learn's PCA, across both paths and both dtypes."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from alignscope.errors import AlignscopeError
from alignscope.kernels import pca

# n > d, n < d (Gram form); then n > d and n < d with both sides past eigen.EXACT_BELOW, where the
# top-k path iterates on Xcᵀ Xc and on Xc Xcᵀ.
SHAPES = [(60, 12), (24, 90), (1200, 480), (300, 900)]


def data(n, d, seed=0, gap=True):
    """Gaussian data with decaying spectrum; with `gap`, the top 3 directions dominate."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.linspace(2.0, 0.2, d) + rng.normal(size=d) * 3
    if gap:
        X[:, :3] *= [12.0, 9.0, 6.0]
    return X


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("method", ["exact", "randomized"])
@pytest.mark.parametrize("x64", [False, True])
def test_fit_matches_sklearn(n, d, method, x64):
    X, k = data(n, d), 3
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    with jax.enable_x64(x64):
        fit = pca.fit(X, k, method=method)
        ratio = pca.explained_variance_ratio(X, k, method=method)
        coords = pca.project(X, fit)
        assert fit.components.dtype == (np.float64 if x64 else np.float32)
        tol = 1e-9 if x64 else 2e-5
        np.testing.assert_allclose(fit.explained_variance_ratio, ref.explained_variance_ratio_, atol=tol)
        np.testing.assert_allclose(ratio, ref.explained_variance_ratio_, atol=tol)
        np.testing.assert_allclose(fit.explained_variance, ref.explained_variance_, rtol=tol * 10)
        np.testing.assert_allclose(fit.components, ref.components_, atol=1e-7 if x64 else 1e-4)
        np.testing.assert_allclose(fit.mean, ref.mean_, atol=tol)
        scale = np.abs(ref.transform(X)).max()
        np.testing.assert_allclose(coords / scale, ref.transform(X) / scale, atol=1e-7 if x64 else 1e-5)


def test_top_k_and_exact_paths_agree_on_gapped_data():
    X = data(1200, 480, seed=3)
    exact = pca.fit(X, 3, method="exact")
    auto = pca.fit(X, 3)  # 32 * (3 + 10) <= 480: the randomized path
    np.testing.assert_allclose(auto.explained_variance_ratio, exact.explained_variance_ratio, atol=1e-4)
    cosines = np.abs(np.sum(np.asarray(auto.components) * np.asarray(exact.components), axis=1))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-4)


@pytest.mark.parametrize("n,d", [(1200, 480), (300, 900)])
@pytest.mark.parametrize("x64", [False, True])
def test_top_k_path_converges_without_a_spectral_gap(n, d, x64):
    # Leading variances 6.01, 6.00, 5.86 at (1200, 480): scikit-learn's fixed 7 power iterations
    # (svd_solver="randomized") miss these ratios by 1e-4 and the components by |cos| 0.77.
    X = data(n, d, seed=3, gap=False)
    ref = PCA(n_components=3, svd_solver="full").fit(X)
    with jax.enable_x64(x64):
        fit = pca.fit(X, 3, method="randomized")
    np.testing.assert_allclose(fit.explained_variance_ratio, ref.explained_variance_ratio_, atol=1e-15 if x64 else 1e-7)
    cosines = np.abs(np.sum(np.asarray(fit.components, np.float64) * ref.components_, axis=1))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-12 if x64 else 2e-6)


@pytest.mark.parametrize("n,d", [(12, 30), (13, 12)])
def test_k_up_to_the_rank_of_centred_x_matches_sklearn(n, d):
    X, k = data(n, d, seed=5, gap=False), min(n - 1, d)
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    with jax.enable_x64(True):
        fit = pca.fit(X, k, method="exact")
        np.testing.assert_allclose(fit.explained_variance_ratio, ref.explained_variance_ratio_, atol=1e-12)
        np.testing.assert_allclose(fit.components, ref.components_, atol=1e-8)
        coords = np.asarray(pca.project(X, fit))
        np.testing.assert_allclose(coords.var(axis=0, ddof=1), ref.explained_variance_, rtol=1e-9)


# (distinct rows, features, rows drawn from them): the first goes to the exact path; the others
# to the top-k iteration with n > d and with n < d, its block wider than the rank.
PAST_THE_RANK = [(20, 64, 40), (150, 300, 400), (150, 400, 200)]


@pytest.mark.parametrize("distinct,d,n", PAST_THE_RANK)
@pytest.mark.parametrize("method", ["exact", "randomized"])
@pytest.mark.parametrize("x64", [False, True])
def test_components_past_the_rank_are_orthogonal_to_x(x64, method, distinct, d, n):
    X = data(distinct, d, seed=5, gap=False)[np.random.default_rng(3).integers(0, distinct, n)]  # duplicated rows
    rank = np.linalg.matrix_rank(X - X.mean(0))
    ref = PCA(n_components=rank, svd_solver="full").fit(X)
    with jax.enable_x64(x64):
        fit = pca.fit(X, rank + 8, method=method)
        coords = np.asarray(pca.project(X, fit))
    components = np.asarray(fit.components, np.float64)
    tol = 1e-10 if x64 else 1e-4
    np.testing.assert_allclose(components @ components.T, np.eye(rank + 8), atol=tol)
    np.testing.assert_allclose(np.abs(np.sum(components[:rank] * ref.components_, axis=1)), 1.0, atol=tol)
    variance = coords.var(axis=0, ddof=1)
    np.testing.assert_allclose(variance[:rank], ref.explained_variance_, rtol=1e-9 if x64 else 1e-4)
    assert variance[rank:].max() < (1e-20 if x64 else 1e-9) * variance[0]


@pytest.mark.parametrize("method,rtol", [("exact", 2e-2), ("randomized", 6e-2)])
def test_small_components_under_massive_dimensions_survive_float32(method, rtol):
    X = np.random.default_rng(0).normal(size=(500, 1024))
    X[:, :3] *= 1000.0  # three massive dimensions: the other variances are ~5e-6 of the top
    ref = PCA(n_components=10, svd_solver="full").fit(X)
    fit = pca.fit(X, 10, method=method)
    components = np.asarray(fit.components, np.float64)
    np.testing.assert_allclose(np.linalg.norm(components, axis=1), 1.0, atol=1e-5)
    variance = np.asarray(pca.project(X, fit)).var(axis=0, ddof=1)
    np.testing.assert_allclose(variance, ref.explained_variance_, rtol=rtol)
    np.testing.assert_allclose(fit.explained_variance, ref.explained_variance_, rtol=rtol)


@pytest.mark.parametrize("n,d,k", [(200, 300, 195), (300, 200, 192)])
def test_top_k_path_with_a_block_as_wide_as_the_operator(n, d, k):
    X = data(n, d, seed=2, gap=False)
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    fit = pca.fit(X, k, method="randomized")  # block width min(k + 10, n, d): the whole space
    np.testing.assert_allclose(fit.explained_variance_ratio, ref.explained_variance_ratio_, atol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(fit.components), axis=1), 1.0, atol=1e-5)


def test_batched_equals_loop():
    X = np.stack([data(24, 90, seed=s) for s in range(3)]).reshape(3, 1, 24, 90)
    batched = pca.fit(X, 2)
    for i in range(3):
        single = pca.fit(X[i, 0], 2)
        np.testing.assert_allclose(batched.components[i, 0], single.components, atol=1e-6)
        np.testing.assert_allclose(batched.explained_variance_ratio[i, 0], single.explained_variance_ratio, atol=1e-6)
    assert pca.project(X, batched).shape == (3, 1, 24, 2)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-100, 100), scale=st.floats(0.01, 100))
def test_ratios_sorted_fractions_invariant_to_translation_and_scale(seed, shift, scale):
    X = data(60, 12, seed=seed, gap=False)
    ratio = np.asarray(pca.explained_variance_ratio(X, 5))
    assert (ratio >= 0).all() and ratio.sum() <= 1 + 1e-6 and (np.diff(ratio) <= 1e-7).all()
    moved = np.asarray(pca.explained_variance_ratio(X * scale + shift, 5))
    np.testing.assert_allclose(moved, ratio, atol=2e-5)


@pytest.mark.parametrize(
    "X,k,method,match",
    [
        (np.full((10, 4), np.nan), 2, "auto", "NaN or inf"),
        (np.ones(10), 2, "auto", r"\[..., n, d\]"),
        (np.ones((10, 4)), 5, "auto", r"k=5 .* \[1, 4\]"),
        (np.ones((4, 10)), 4, "auto", r"k=4 .* \[1, 3\] .*min\(n - 1, d\)"),
        (np.ones((6, 6)), 6, "exact", r"k=6 .* \[1, 5\]"),
        (np.ones((10, 4)), 0, "auto", "k=0"),
        (np.ones((10, 4)), 2.0, "auto", "k=2.0"),
        (np.ones((10, 4)), 2, "svd", "method"),
        (np.ones((1, 4)), 1, "auto", "at least 2 examples"),
    ],
)
def test_bad_input_raises(X, k, method, match):
    with pytest.raises(AlignscopeError, match=match):
        pca.fit(X, k, method=method)


def test_project_rejects_other_features():
    fit = pca.fit(data(60, 12), 2)
    with pytest.raises(AlignscopeError, match="12"):
        pca.project(np.ones((5, 11)), fit)
    with pytest.raises(AlignscopeError, match="NaN or inf"):
        pca.project(np.full((5, 12), np.inf), fit)
