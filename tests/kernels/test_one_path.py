"""One path (issue 22, part 3): the public per-metric functions and `resample.bootstrap` take the
Gram-first path where the analysis does, with the feature path's numbers.

Float64; tolerance 1e-8 relative (the eigen and CG solves stop at 1e-10 and 1e-11 residuals).
"""

import functools

import jax
import numpy as np
import pytest
from sklearn.metrics import silhouette_score as sk_silhouette

from alignscope.errors import AlignscopeError
from alignscope.kernels import eigen, resample, separation
from tests.kernels.test_gram import activations

PUBLIC = {
    "between10": functools.partial(separation.between_class_variance_ratio, n_components=10),
    "between_all": separation.between_class_variance_ratio,
    "fisher_auto": functools.partial(separation.fisher_ratio, shrinkage="auto"),
    "bhattacharyya": separation.bhattacharyya_distance,
    "silhouette": separation.silhouette_score,
}
FEATURE_KERNELS = ("between_class_batched", "lda_batched", "bhattacharyya_batched", "silhouette_batched")


def no_feature_path(monkeypatch):
    """Makes every feature-path kernel of `kernels.separation` fail, so a value that still comes
    back came from the Gram path."""
    def refuse(*args, **kwargs):
        raise AssertionError("the feature path ran")

    for name in FEATURE_KERNELS:
        monkeypatch.setattr(separation, name, refuse)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_metrics_take_the_gram_path_with_the_feature_paths_numbers(monkeypatch, name):
    X, y = activations(150, 200, seed=3, layers=2)  # n < d, above eigen.EXACT_BELOW
    metric = PUBLIC[name]
    with jax.enable_x64(True):
        # Labels with the layers' leading axis keep the feature path.
        expected = np.asarray(metric(X, np.broadcast_to(y, (2, len(y)))))
        with monkeypatch.context() as patched:
            no_feature_path(patched)
            got = np.asarray(metric(X, y))
    np.testing.assert_allclose(got, expected, rtol=1e-8)
    if name == "silhouette":
        np.testing.assert_allclose(got, [sk_silhouette(layer, y) for layer in X], rtol=1e-8)


@pytest.mark.parametrize("name", ["between10", "fisher_auto", "bhattacharyya"])
def test_bootstrap_of_a_public_metric_is_gathered_from_one_gram(monkeypatch, name):
    X, y = activations(300, 400, seed=4, layers=2)  # draws of ~190 distinct rows: subspace iteration
    metric = PUBLIC[name]
    idx = np.asarray(resample.bootstrap_indices(len(y), 6, y, seed=1))
    assert resample.distinct_draws(idx)[0].shape[1] > eigen.EXACT_BELOW
    with jax.enable_x64(True):
        expected = np.stack([np.asarray(metric(X[:, rows], np.broadcast_to(y[rows], (2, len(y))))) for rows in idx])
        with monkeypatch.context() as patched:
            no_feature_path(patched)
            result = resample.bootstrap(metric, X, labels=y, indices=idx)
    assert result.replicas.shape == (6, 2)
    np.testing.assert_allclose(np.asarray(result.replicas), expected, rtol=1e-8)
    assert len(np.unique(np.asarray(result.replicas[:, 0]))) == 6  # every draw its own value


def test_bootstrap_of_the_silhouette_counts_copies_as_scikit_learn_does():
    X, y = activations(60, 100, seed=5)
    idx = np.asarray(resample.bootstrap_indices(len(y), 3, y, seed=2))
    with jax.enable_x64(True):
        result = resample.bootstrap(separation.silhouette_score, X, labels=y, indices=idx)
    np.testing.assert_allclose(np.asarray(result.replicas), [sk_silhouette(X[rows], y[rows]) for rows in idx],
                               rtol=1e-8, atol=1e-9)


def test_options_the_gram_forms_do_not_cover_keep_the_feature_path(monkeypatch):
    X, y = activations(80, 12, seed=6)  # few rows: the Gram path applies where the forms cover the options
    with jax.enable_x64(True), monkeypatch.context() as patched:
        no_feature_path(patched)
        separation.between_class_variance_ratio(X, y, n_components=2)
        for call in (lambda: separation.between_class_variance_ratio(X, y, n_components=2, method="randomized"),
                     lambda: separation.fisher_ratio(X, y, shrinkage=0.5),
                     lambda: separation.bhattacharyya_distance(X, y, n_components=None)):
            with pytest.raises(AssertionError, match="the feature path ran"):
                call()


def test_bootstrap_keeps_custom_metrics_and_the_feature_paths_errors():
    X, y = activations(60, 100, seed=7)
    three_classes = np.arange(60) % 3  # labels the separation metrics refuse; a custom metric may take them
    result = resample.bootstrap(lambda X, y: X.mean(axis=(-2, -1)) + 0.0 * y.mean(axis=-1), X, labels=three_classes,
                                num_replicas=4)
    assert result.replicas.shape == (4,)
    one_class = np.zeros((2, 60), int)  # every draw is row 0: no harmful row
    with pytest.raises(AlignscopeError, match="class"):
        resample.bootstrap(PUBLIC["fisher_auto"], X, labels=y, indices=one_class)
