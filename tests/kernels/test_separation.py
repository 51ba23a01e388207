"""kernels.separation against float64 numpy written from the definitions, and scikit-learn."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score as sk_silhouette

from alignscope.errors import AlignscopeError
from alignscope.kernels import pca, separation

SHAPES = [(60, 10), (30, 80)]  # n ≥ d, and n < d (Woodbury, Gram-form PCA)
# One labelling y: [n] takes the Gram path (gram_separation.public_route); labels with a leading
# axis of their own keep the feature path. Both are checked against the references.
PATHS = ("gram", "features")


def on_path(metric, X, y, *args, path):
    """`metric(X, y, *args)` on the given path: "features" gives X and y a leading axis of 1."""
    if path == "gram":
        return metric(X, y, *args)
    return metric(X[None], y[None], *args)[0]


def data(n, d, seed=0, shift=0.6):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3 == 0).astype(int)  # unbalanced (n1 ≈ n/3), so swapping n0 and n1 shows
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / np.sqrt(d) + 0.3 * rng.normal(size=(n, d))
    X[y == 1] += shift * rng.normal(size=d)
    return X, y


def means(X, y):
    return X[y == 0].mean(0), X[y == 1].mean(0)


def project(X, k):
    return X if k is None else PCA(k, svd_solver="full").fit_transform(X)


def between_ref(X, y, k):
    Z = project(X, k)
    mu = Z.mean(0)
    S_B = sum((y == c).sum() * np.outer(m - mu, m - mu) for c, m in enumerate(means(Z, y)))
    S_T = (Z - mu).T @ (Z - mu)
    return np.trace(S_B) / np.trace(S_T)


def fisher_ref(X, y, shrinkage):
    n, d = X.shape
    mu0, mu1 = means(X, y)
    R = X - np.where(y[:, None] == 1, mu1, mu0)
    lam = ledoit_wolf_shrinkage(R) if shrinkage == "auto" else shrinkage or 0.0
    sigma = R.T @ R / (n - 2)
    sigma = (1 - lam) * sigma + lam * np.trace(sigma) / d * np.eye(d)
    v = np.linalg.solve(sigma, mu1 - mu0)
    return (mu1 - mu0) @ v, v / np.linalg.norm(v), lam


def bhattacharyya_ref(X, y, k):
    Z = project(X, k)
    C0, C1 = np.cov(Z[y == 0], rowvar=False), np.cov(Z[y == 1], rowvar=False)
    C = (C0 + C1) / 2
    mu0, mu1 = means(Z, y)
    dist = (mu1 - mu0) @ np.linalg.solve(C, mu1 - mu0) / 8
    logdet = lambda M: np.linalg.slogdet(M)[1]
    return dist + 0.5 * (logdet(C) - 0.5 * (logdet(C0) + logdet(C1)))


def mean_difference_ref(X, y):
    mu0, mu1 = means(X, y)
    return (mu1 - mu0) / np.linalg.norm(mu1 - mu0)


def check(actual, expected, x64, tol32):
    assert np.asarray(actual).dtype == (np.float64 if x64 else np.float32)
    np.testing.assert_allclose(actual, expected, rtol=1e-9 if x64 else tol32, atol=1e-10 if x64 else tol32)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("x64", [False, True])
def test_metrics_match_references(n, d, x64, path):
    X, y = data(n, d)
    with jax.enable_x64(x64):
        for k in (None, 2, 5):
            check(on_path(separation.between_class_variance_ratio, X, y, k, path=path), between_ref(X, y, k), x64,
                  1e-5)
        for k in (2, 5):
            check(on_path(separation.bhattacharyya_distance, X, y, k, path=path), bhattacharyya_ref(X, y, k), x64,
                  1e-4)
        check(on_path(separation.silhouette_score, X, y, path=path), sk_silhouette(X, y), x64, 1e-5)
        check(separation.mean_difference_direction(X, y), mean_difference_ref(X, y), x64, 1e-5)
        u, v = np.random.default_rng(1).normal(size=(2, d))
        check(separation.direction_cosine(u, v), u @ v / np.linalg.norm(u) / np.linalg.norm(v), x64, 1e-6)


@pytest.mark.parametrize(
    "n,d,shrinkage",
    [(n, d, s) for n, d in SHAPES for s in (None, 0.3, 1.0, "auto") if s is not None or n - 2 >= d],
)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("x64", [False, True])
def test_fisher_matches_reference(n, d, shrinkage, x64, path):
    X, y = data(n, d)
    ratio, w, lam = fisher_ref(X, y, shrinkage)
    with jax.enable_x64(x64):
        got = separation.lda(X, y, shrinkage)
        check(got.ratio, ratio, x64, 2e-4)
        check(got.direction, w, x64, 2e-4)
        check(got.shrinkage, lam, x64, 1e-5)
        check(on_path(separation.fisher_ratio, X, y, shrinkage, path=path), ratio, x64, 2e-4)


def test_silhouette_blocks_match_sklearn(monkeypatch):
    X, y = data(101, 6, seed=4)
    monkeypatch.setattr(separation, "SILHOUETTE_BLOCK_ELEMENTS", 30 * 101)  # 4 blocks, last partial
    with jax.enable_x64(True):
        np.testing.assert_allclose(separation.silhouette_score(X, y), sk_silhouette(X, y), rtol=1e-12)


def test_batched_equals_loop_and_labels_broadcast():
    X = np.stack([data(30, 80, seed=s)[0] for s in range(3)])
    _, y = data(30, 80)
    metrics = [
        lambda X, y: separation.between_class_variance_ratio(X, y, 2),
        lambda X, y: separation.fisher_ratio(X, y, "auto"),
        lambda X, y: separation.bhattacharyya_distance(X, y, 3),
        separation.silhouette_score,
        separation.mean_difference_direction,
    ]
    for metric in metrics:
        batched = metric(X, y)  # labels [n] shared by every leading index
        for i in range(3):
            np.testing.assert_allclose(batched[i], metric(X[i], y), rtol=2e-5, atol=1e-6)
    ys = np.stack([y, y[::-1]])
    batched = separation.fisher_ratio(X[:, None], ys, 0.5)
    assert batched.shape == (3, 2)
    np.testing.assert_allclose(batched[2, 1], separation.fisher_ratio(X[2], ys[1], 0.5), rtol=2e-5)


def test_silhouette_shares_distances_across_labellings():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 1, 3, 30, 6))  # labels vary alone along axis 1 (a permutation null)
    ys = (rng.uniform(size=(4, 3, 30)) < 0.35).astype(int)
    ys[..., :2], ys[..., 2:4] = 0, 1
    with jax.enable_x64(True):
        got = separation.silhouette_score(X, ys)
    assert got.shape == (2, 4, 3)
    loop = [[[sk_silhouette(X[a, 0, c], ys[b, c]) for c in range(3)] for b in range(4)] for a in range(2)]
    np.testing.assert_allclose(got, loop, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-50, 50))
def test_invariant_to_translation(seed, shift):
    X, y = data(60, 10, seed=seed)
    moved = X + shift * np.random.default_rng(seed).normal(size=10)
    for metric, tol in [
        (lambda X: separation.between_class_variance_ratio(X, y, 2), 1e-4),
        (lambda X: separation.fisher_ratio(X, y, "auto"), 1e-3),
        (lambda X: separation.bhattacharyya_distance(X, y, 3), 1e-3),
        (lambda X: separation.silhouette_score(X, y), 1e-3),
    ]:
        np.testing.assert_allclose(metric(moved), metric(X), rtol=tol, atol=tol)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_between_class_ratio_is_a_fraction(seed):
    X, y = data(30, 80, seed=seed, shift=np.random.default_rng(seed).uniform(0, 20))
    for k in (None, 2):
        ratio = float(separation.between_class_variance_ratio(X, y, k))
        assert 0.0 <= ratio <= 1.0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), log_scales=st.lists(st.floats(-2, 2), min_size=10, max_size=10))
def test_unshrunk_fisher_invariant_to_invertible_maps(seed, log_scales):
    X, y = data(60, 10, seed=seed)
    A = ortho_group.rvs(10, random_state=seed) * np.exp(log_scales)  # condition number <= e^4
    with jax.enable_x64(True):
        np.testing.assert_allclose(separation.fisher_ratio(X @ A, y), separation.fisher_ratio(X, y), rtol=1e-9)


def test_direction_cosine_broadcasts():
    U = np.random.default_rng(0).normal(size=(4, 1, 6))
    V = np.random.default_rng(1).normal(size=(3, 6))
    cos = separation.direction_cosine(U, V)
    assert cos.shape == (4, 3)
    np.testing.assert_allclose(cos[2, 1], separation.direction_cosine(U[2, 0], V[1]), rtol=1e-6)


GOOD_X, GOOD_Y = data(30, 4)


@pytest.mark.parametrize(
    "X,y,match",
    [
        (GOOD_X, np.zeros(30), "only 0 example"),
        (GOOD_X, np.r_[1, np.zeros(29)], "only 1 example"),
        (GOOD_X, np.r_[np.ones(29), 0], "only 1 example"),
        (GOOD_X, np.arange(30) % 3, "two classes"),
        (GOOD_X, np.where(GOOD_Y == 1, "a", "b"), "two classes"),
        (np.where(np.eye(30, 4) > 0, np.nan, GOOD_X), GOOD_Y, "NaN or inf"),
        (np.where(np.eye(30, 4) > 0, np.inf, GOOD_X), GOOD_Y, "NaN or inf"),
        (GOOD_X, GOOD_Y[:29], "30 examples"),
        (GOOD_X[None].repeat(3, 0), np.stack([GOOD_Y] * 2), "does not broadcast"),
        (GOOD_X[0], GOOD_Y, r"\[..., n, d\]"),
    ],
)
@pytest.mark.parametrize(
    "metric",
    [
        separation.between_class_variance_ratio,
        separation.fisher_ratio,
        separation.bhattacharyya_distance,
        separation.silhouette_score,
        separation.mean_difference_direction,
    ],
)
def test_bad_input_raises(metric, X, y, match):
    with pytest.raises(AlignscopeError, match=match):
        metric(X, y)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: separation.fisher_ratio(*data(30, 80)), "n - 2 >= d"),
        (lambda: separation.fisher_ratio(*data(30, 80), shrinkage=0.0), "n - 2 >= d"),
        (lambda: separation.fisher_ratio(GOOD_X, GOOD_Y, shrinkage=1.5), "shrinkage=1.5"),
        (lambda: separation.fisher_ratio(GOOD_X, GOOD_Y, shrinkage="ledoit"), "'auto'"),
        (lambda: separation.bhattacharyya_distance(*data(8, 20), n_components=4), "more than 4"),
        (lambda: separation.between_class_variance_ratio(GOOD_X, GOOD_Y, 5), "n_components=5"),
        (lambda: separation.between_class_variance_ratio(*data(12, 30), 12), r"\[1, 11\] .*n - 1"),
        (lambda: separation.bhattacharyya_distance(*data(12, 30), 12), r"\[1, 11\]"),
        (lambda: separation.between_class_variance_ratio(GOOD_X, GOOD_Y, 2, method="svd"), "method"),
        (lambda: separation.direction_cosine(np.zeros(4), np.ones(4)), "zero vector"),
        (lambda: separation.direction_cosine(np.ones(4), np.ones(5)), "share d"),
        (lambda: separation.mean_difference_direction(np.ones((6, 3)), np.arange(6) % 2), "coincide"),
    ],
)
def test_bad_options_raise(call, match):
    with pytest.raises(AlignscopeError, match=match):
        call()


def lowrank_data(n, d, seed=1):
    """Activations-like: 20 strong directions, weak isotropic noise, a large offset."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3 == 0).astype(int)
    Z = rng.normal(size=(n, 20))
    Z[y == 1, 0] += 1.0
    X = Z @ (rng.normal(size=(20, d)) * np.linspace(10, 1, 20)[:, None]) + 0.05 * rng.normal(size=(n, d))
    return X + 100, y


@pytest.mark.parametrize("shrinkage", [1e-2, 1e-3])
def test_float32_woodbury_with_small_shrinkage_matches_float64(shrinkage):
    X, y = lowrank_data(60, 200)  # n < d: the Woodbury solve, refined on its residual
    ratio, w, _ = fisher_ref(X, y, shrinkage)
    got = separation.lda(X, y, shrinkage)
    assert got.ratio.dtype == np.float32
    np.testing.assert_allclose(got.ratio, ratio, rtol=5e-6)
    np.testing.assert_allclose(got.direction, w, atol=2.5e-4)


def test_singular_within_class_covariance_raises():
    X, y = data(50, 8)
    constant = X.copy()
    constant[:, 3] = 5.0
    collinear = X.copy()
    collinear[:, 3] = 2 * X[:, 1] - X[:, 2]
    for bad in (constant, collinear):
        with pytest.raises(AlignscopeError, match="within-class covariance is singular"):
            separation.fisher_ratio(bad, y)
        with jax.enable_x64(True):
            with pytest.raises(AlignscopeError, match="within-class covariance is singular"):
                separation.fisher_ratio(bad, y)
            # Shrinkage makes it nonsingular again, and the numbers still follow the definition.
            check(separation.fisher_ratio(bad, y, "auto"), fisher_ref(bad, y, "auto")[0], True, 0)


def test_singular_class_covariance_raises():
    X, y = data(50, 8)
    duplicated, y_dup = np.repeat(X[:24], 2, axis=0), np.repeat(y[:24], 2)  # 8 distinct harmful rows
    assert y_dup.sum() == 16
    with pytest.raises(AlignscopeError, match="top-8 PC space is singular"):
        separation.bhattacharyya_distance(duplicated, y_dup, n_components=8)
    with jax.enable_x64(True):
        check(separation.bhattacharyya_distance(duplicated, y_dup, 7), bhattacharyya_ref(duplicated, y_dup, 7), True, 0)


@pytest.mark.parametrize("x64", [False, True])
def test_components_up_to_the_rank_of_centred_x(x64):
    X, y = data(12, 30)  # centred rank n - 1 = 11
    with jax.enable_x64(x64):
        check(separation.between_class_variance_ratio(X, y, 11), between_ref(X, y, 11), x64, 1e-5)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("x64", [False, True])
def test_components_past_the_rank_of_duplicated_rows(x64, path):
    X, y = data(20, 64)
    rows = np.repeat(np.arange(15), 3)  # 45 rows, 15 distinct: centred rank 14, as in a small draw
    X, y = X[rows], y[rows]
    assert np.linalg.matrix_rank(X - X.mean(0)) == 14
    with jax.enable_x64(x64):
        for k in (14, 20, 44):
            check(on_path(separation.between_class_variance_ratio, X, y, k, path=path), between_ref(X, y, k), x64,
                  1e-5)


def test_separation_pca_is_exact_by_default():
    rng = np.random.default_rng(0)
    n, d = 400, 450  # k = 2 is small enough for the top-k path under method="auto"
    y = (np.arange(n) % 3 == 0).astype(int)
    X = rng.normal(size=(n, d)) * np.linspace(1.5, 0.5, d) ** 2  # no spectral gap after k
    X[y == 1] += 0.15 * rng.normal(size=d)
    with jax.enable_x64(True):
        check(separation.between_class_variance_ratio(X, y, 2), between_ref(X, y, 2), True, 0)
        check(separation.bhattacharyya_distance(X, y, 2), bhattacharyya_ref(X, y, 2), True, 0)


PCA_METRICS = [separation.between_class_variance_ratio, separation.bhattacharyya_distance]


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("x64", [False, True])
def test_precomputed_pca_gives_the_same_numbers(n, d, x64):
    X, y = data(n, d)
    with jax.enable_x64(x64):
        fit = pca.fit(X, 8, method="exact")  # one fit, read on its top 2 and top 5
        for metric in PCA_METRICS:
            for k in (2, 5):
                np.testing.assert_allclose(
                    metric(X, y, k, pca=fit), metric(X, y, k), rtol=1e-12 if x64 else 1e-5
                )
        check(separation.between_class_variance_ratio(X, y, 5, pca=fit), between_ref(X, y, 5), x64, 1e-5)
        check(separation.bhattacharyya_distance(X, y, 5, pca=fit), bhattacharyya_ref(X, y, 5), x64, 1e-4)


def test_precomputed_pca_batched_over_layers():
    X = np.stack([data(30, 80, seed=s)[0] for s in range(3)])  # [layers, n, d]
    _, y = data(30, 80)
    ys = np.stack([y, y[::-1], np.roll(y, 1)])  # labels per layer too
    fit = pca.fit(X, 6, method="exact")
    for metric in PCA_METRICS:
        for labels in (y, ys):
            batched = metric(X, labels, 3, pca=fit)
            assert batched.shape == (3,)
            np.testing.assert_allclose(batched, metric(X, labels, 3), rtol=1e-5)
            for i in range(3):
                one = pca.fit(X[i], 6, method="exact")
                layer_y = labels if labels.ndim == 1 else labels[i]
                np.testing.assert_allclose(batched[i], metric(X[i], layer_y, 3, pca=one), rtol=2e-5)
        # Labels alone vary along a leading axis (a permutation null): one fit of the one X.
        single = pca.fit(X[0], 6, method="exact")
        np.testing.assert_allclose(
            metric(X[0], ys, 3, pca=single), metric(X[0], ys, 3), rtol=1e-5
        )


def _fit_of(X, k=4):
    return pca.fit(X, k, method="exact")


@pytest.mark.parametrize("metric", PCA_METRICS)
@pytest.mark.parametrize(
    "fit,n_components,match",
    [
        (lambda X: _fit_of(X), None, "n_components=None"),
        (lambda X: _fit_of(X)._replace(components=None), 2, "PCAFit with components"),
        (lambda X: tuple(_fit_of(X)), 2, "PCAFit with components"),
        (lambda X: _fit_of(X[:, :3], 2), 2, r"components of shape \(2, 3\)"),
        (lambda X: _fit_of(np.stack([X, X])), 2, r"X has shape \(30, 4\)"),
        (lambda X: _fit_of(X)._replace(mean=np.zeros((2, 4))), 2, "mean of shape"),
        (lambda X: _fit_of(X, 2), 3, "has 2 components but n_components=3"),
        (lambda X: _fit_of(X + 1.0), 2, "mean that differs"),
        (lambda X: _fit_of(data(30, 4, seed=5)[0]), 2, "mean that differs"),
        (lambda X: _fit_of(X)._replace(components=np.full((4, 4), np.nan)), 2, "NaN or inf"),
    ],
)
def test_bad_precomputed_pca_raises(metric, fit, n_components, match):
    with pytest.raises(AlignscopeError, match=match):
        metric(GOOD_X, GOOD_Y, n_components, pca=fit(GOOD_X))


def test_precomputed_pca_batched_shape_mismatch_raises():
    X = np.stack([data(30, 8, seed=s)[0] for s in range(3)])
    _, y = data(30, 8)
    for metric in PCA_METRICS:
        with pytest.raises(AlignscopeError, match="leading axes"):
            metric(X, y, 2, pca=_fit_of(X[:2]))
        with pytest.raises(AlignscopeError, match="mean that differs"):
            metric(X, y, 2, pca=_fit_of(X[::-1]))  # layers out of order


def test_precomputed_pca_is_not_decomposed_again():
    X, y = data(30, 80)
    fit = _fit_of(X)
    kernels = [separation.between_class_batched, separation.bhattacharyya_batched]
    for kernel in kernels:
        given = jax.make_jaxpr(
            lambda X, c, m: kernel(X, y, k=2, method="exact", components=c, mean=m)
        )(X, fit.components, fit.mean)
        assert "eigh" not in str(given)
        assert "eigh" in str(jax.make_jaxpr(lambda X: kernel(X, y, k=2, method="exact"))(X))
