"""kernels.cka against the formulas of Kornblith et al.'s reference code, in float64 numpy."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group

from alignscope.errors import AlignscopeError
from alignscope.kernels import cka, gram

# Reference code (Kornblith et al. 2019, colab "CKA similarity"), float64.


def gram_linear(x):
    return x @ x.T


def gram_rbf(x, threshold=1.0):
    dot_products = x @ x.T
    sq_norms = np.diag(dot_products)
    sq_distances = -2 * dot_products + sq_norms[:, None] + sq_norms[None, :]
    return np.exp(-sq_distances / (2 * threshold**2 * np.median(sq_distances)))


def center_gram(gram, unbiased=False):
    gram = gram.copy()
    if unbiased:
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = np.sum(gram, 0) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = np.mean(gram, 0)
        means -= np.mean(means) / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka_ref(gram_x, gram_y, debiased=False):
    gram_x = center_gram(gram_x, unbiased=debiased)
    gram_y = center_gram(gram_y, unbiased=debiased)
    return gram_x.ravel() @ gram_y.ravel() / (np.linalg.norm(gram_x) * np.linalg.norm(gram_y))


def hsic_unbiased_ref(K, L):
    """Song et al. (2012) unbiased HSIC, with its 1 / (n (n - 3)) factor."""
    n = K.shape[0]
    K, L = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
    one = np.ones(n)
    bracket = np.trace(K @ L) + one @ K @ one * (one @ L @ one) / ((n - 1) * (n - 2)) - 2 / (n - 2) * one @ K @ L @ one
    return bracket / (n * (n - 3))


SHAPES = [(40, 6, 9), (16, 50, 70)]  # feature-space path, Gram path


def pair(n, dx, dy, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dx)) + rng.normal(size=dx)
    Y = np.tanh(X @ rng.normal(size=(dx, dy)) / np.sqrt(dx)) + 0.5 * rng.normal(size=(n, dy))
    return X, Y


@pytest.mark.parametrize("n,dx,dy", SHAPES)
@pytest.mark.parametrize("debiased", [False, True])
@pytest.mark.parametrize("x64", [False, True])
def test_matches_reference(n, dx, dy, debiased, x64):
    X, Y = pair(n, dx, dy)
    with jax.enable_x64(x64):
        linear = cka.linear_cka(X, Y, debiased=debiased)
        rbf = cka.rbf_cka(X, Y, threshold=0.8, debiased=debiased)
        assert linear.dtype == rbf.dtype == (np.float64 if x64 else np.float32)
        tol = 1e-12 if x64 else 2e-6
        np.testing.assert_allclose(linear, cka_ref(gram_linear(X), gram_linear(Y), debiased), atol=tol)
        np.testing.assert_allclose(rbf, cka_ref(gram_rbf(X, 0.8), gram_rbf(Y, 0.8), debiased), atol=tol)


@pytest.mark.parametrize("La,n,da,Lb,db,whole", [(3, 40, 5, 2, 7, False), (3, 16, 40, 2, 60, False),
                                                  (3, 16, 40, 2, 60, True)])
@pytest.mark.parametrize("debiased", [False, True])
def test_cka_matrix_matches_pairwise_reference(monkeypatch, La, n, da, Lb, db, whole, debiased):
    monkeypatch.setattr(cka, "GRAM_BLOCK_ELEMENTS", 5 * n * 3)  # Gram path: 3-row blocks, last partial
    # Whole Grams formed once (kernels.gram), or streamed row blocks when they would not fit.
    monkeypatch.setattr(cka, "WHOLE_GRAMS_ELEMENTS", 2**28 if whole else 0)
    rng = np.random.default_rng(1)
    A = rng.normal(size=(La, n, da))
    B = np.tanh(A[:Lb, :, :1] * rng.normal(size=db)) + rng.normal(size=(Lb, n, db))
    expected = [[cka_ref(gram_linear(a), gram_linear(b), debiased) for b in B] for a in A]
    with jax.enable_x64(True):
        np.testing.assert_allclose(cka.cka_matrix(A, B, debiased), expected, atol=1e-12)
    np.testing.assert_allclose(cka.cka_matrix(A, B, debiased), expected, atol=2e-6)


@pytest.mark.parametrize("debiased", [False, True])
def test_cka_from_grams_matches_pairwise_reference(debiased):
    rng = np.random.default_rng(2)
    A = rng.normal(size=(3, 16, 40))
    B = np.tanh(A[:2, :, :1] * rng.normal(size=60)) + rng.normal(size=(2, 16, 60))
    expected = [[cka_ref(gram_linear(a), gram_linear(b), debiased) for b in B] for a in A]
    with jax.enable_x64(True):
        got = cka.gram_cka_matrix(gram.centred_gram(A), gram.centred_gram(B), debiased)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_minibatch_single_batch_is_debiased_cka():
    X, Y = pair(40, 6, 9)
    with jax.enable_x64(True):
        np.testing.assert_allclose(cka.minibatch_cka([X], [Y]), cka.linear_cka(X, Y, debiased=True), rtol=1e-13)


def test_minibatch_sums_per_batch_unbiased_hsic():
    X, Y = pair(40, 6, 9)
    cuts = [0, 10, 17, 40]  # batches of 10, 7 and 23 rows
    parts = [(X[a:b], Y[a:b]) for a, b in zip(cuts, cuts[1:])]
    sums = np.zeros(3)
    for x, y in parts:
        K, L = gram_linear(x), gram_linear(y)
        sums += [hsic_unbiased_ref(K, L), hsic_unbiased_ref(K, K), hsic_unbiased_ref(L, L)]
    expected = sums[0] / np.sqrt(sums[1] * sums[2])
    with jax.enable_x64(True):
        got = cka.minibatch_cka((x for x, _ in parts), (y for _, y in parts))
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(cka.minibatch_cka(*zip(*parts)), expected, atol=2e-6)


def test_batched_equals_loop_and_broadcasts():
    X = np.stack([pair(16, 50, 70, seed=s)[0] for s in range(3)])
    _, Y = pair(16, 50, 70)
    for debiased in (False, True):
        batched = cka.linear_cka(X, Y, debiased)  # Y shared by every leading index
        rbf = cka.rbf_cka(X, Y, debiased=debiased)
        for i in range(3):
            np.testing.assert_allclose(batched[i], cka.linear_cka(X[i], Y, debiased), atol=1e-6)
            np.testing.assert_allclose(rbf[i], cka.rbf_cka(X[i], Y, debiased=debiased), atol=1e-6)
    M = cka.cka_matrix(X[None], X[:2][None])
    assert M.shape == (1, 3, 2)
    np.testing.assert_allclose(M[0, 2, 1], cka.linear_cka(X[2], X[1]), atol=1e-6)


KERNELS = [
    lambda X, Y: cka.linear_cka(X, Y),
    lambda X, Y: cka.linear_cka(X, Y, debiased=True),
    lambda X, Y: cka.rbf_cka(X, Y, threshold=0.5),
    lambda X, Y: cka.rbf_cka(X, Y, threshold=2.0, debiased=True),
]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(1e-2, 1e2))
def test_properties(seed, scale):
    X, Y = pair(40, 6, 9, seed=seed)
    Q = ortho_group.rvs(9, random_state=seed)
    for kernel in KERNELS:
        value = kernel(X, Y)
        np.testing.assert_allclose(kernel(X, X), 1.0, atol=1e-5)
        np.testing.assert_allclose(kernel(Y, X), value, atol=1e-5)
        np.testing.assert_allclose(kernel(X, Y @ Q), value, atol=1e-5)
        np.testing.assert_allclose(kernel(X * scale, Y), value, atol=1e-5)
        np.testing.assert_allclose(kernel(X, Y / scale), value, atol=1e-5)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: cka.linear_cka(np.ones((5, 3)), np.ones((6, 3))), "different numbers of examples"),
        (lambda: cka.rbf_cka(np.full((5, 3), np.nan), np.ones((5, 3))), "X contains NaN"),
        (lambda: cka.linear_cka(np.ones((5, 3)), np.full((5, 3), np.inf)), "Y contains NaN or inf"),
        (lambda: cka.linear_cka(np.ones((3, 3)), np.ones((3, 3)), debiased=True), "at least 4"),
        (lambda: cka.linear_cka(np.ones(3), np.ones(3)), r"\[..., n, d\]"),
        (lambda: cka.rbf_cka(np.ones((5, 3)), np.ones((5, 3)), threshold=0), "threshold=0"),
        (lambda: cka.cka_matrix(np.ones((5, 3)), np.ones((1, 5, 3))), "A has shape"),
        (lambda: cka.cka_matrix(np.ones((1, 5, 3)), np.ones((1, 6, 3))), "A and B have different"),
        (lambda: cka.minibatch_cka([], []), "no batches"),
        (lambda: cka.minibatch_cka([np.ones((3, 2))], [np.ones((3, 2))]), "at least 4"),
        (lambda: cka.minibatch_cka([np.ones((5, 2))], []), "minibatch"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(AlignscopeError, match=match):
        call()
