"""The metric registry: a metric added as one record flows through `analysis.analyze` (columns,
records, intervals clipped to its range, its null) on both paths, with no other module touched."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alignscope.errors import AlignscopeError
from alignscope.kernels import analysis, gram_separation, metrics
from tests.kernels.test_analysis import parallel_data


def _centroid_gram(inputs):
    """‖μ1 − μ0‖² = ‖u‖² ûᵀKû from the centred Gram, `[R]`."""
    unit = inputs.contrast.unit
    return inputs.contrast.scale * jnp.sum(unit * (unit @ inputs.gram), axis=-1)


def _centroid_features(sample):
    """‖μ1 − μ0‖² from the drawn rows, `[models, layers, B]`."""
    X, y = sample.features, sample.y[..., None]  # [M, L, R, m, d], [B, m, 1]
    delta = (y * X).sum(-2) / y.sum(-2) - ((1 - y) * X).sum(-2) / (1 - y).sum(-2)
    return jnp.sum(delta * delta, axis=-1)


def _spread_features(sample):
    """Total variance of the drawn rows (label-free; no Gram form), `[models, layers, R]`."""
    X = sample.features
    centred = X - X.mean(axis=-2, keepdims=True)
    return jnp.sum(centred * centred, axis=(-2, -1)) / (X.shape[-2] - 1)


@pytest.fixture
def added(monkeypatch):
    """Two metrics registered for one test (the registry is restored afterwards)."""
    monkeypatch.setitem(metrics.REGISTRY, "centroid", metrics.Metric(
        "centroid", "squared distance between the class means", (0.0, np.inf), False,
        _centroid_features, _centroid_gram))
    monkeypatch.setitem(metrics.REGISTRY, "spread", metrics.Metric(
        "spread", "total variance of the rows", (0.0, np.inf), True, _spread_features))


def centroid_ref(X, y):
    return np.sum((X[y == 1].mean(0) - X[y == 0].mean(0)) ** 2)


def spread_ref(X):
    return np.sum((X - X.mean(0)) ** 2) / (len(X) - 1)


@pytest.mark.parametrize("gram_rows", [0, 10**6], ids=["feature-space", "gram"])
def test_a_registered_metric_flows_through_the_analysis(added, gram_rows, monkeypatch):
    monkeypatch.setattr(gram_separation, "GRAM_PATH_MAX_ROWS", gram_rows)
    assert ("centroid" in gram_separation.gram_metric_names()) and "spread" not in gram_separation.gram_metric_names()
    X, y, langs, groups = parallel_data(per_class=8)
    options = analysis.AnalysisOptions(metrics=("between2", "centroid", "spread"), bootstrap=5, permutations=3)
    with jax.enable_x64(True):
        result = analysis.analyze(X, y, langs, groups, options=options)
    assert result.metrics == ("between2", "centroid", "spread")
    for g, lang in enumerate(result.langs):
        draws = result.draws[lang]
        for m in range(X.shape[0]):
            for layer in range(X.shape[1]):
                own = X[m, layer, draws.rows]
                expected = [centroid_ref(own, y[draws.rows]), spread_ref(own)]
                np.testing.assert_allclose(result.plug_in[m, g, layer, 1:], expected, rtol=1e-8)
                for r, rows in enumerate(draws.bootstrap):
                    drawn = X[m, layer, rows]
                    np.testing.assert_allclose(result.replicas[r, m, g, layer, 1:],
                                               [centroid_ref(drawn, y[rows]), spread_ref(drawn)], rtol=1e-8)
                for p, labels in enumerate(draws.permuted_labels):
                    np.testing.assert_allclose(result.null[p, m, g, layer, 1], centroid_ref(own, labels), rtol=1e-8)
    # Intervals come from the replicas and are clipped to the record's range; the label-free
    # metric has no null.
    half_width = 1.959964 * np.nanstd(result.replicas, axis=0, ddof=1)
    np.testing.assert_allclose(result.low[..., 1:], np.maximum(result.estimate - half_width, 0.0)[..., 1:],
                               rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(result.high[..., 1:], (result.estimate + half_width)[..., 1:], rtol=1e-6)
    assert np.isnan(result.null[..., 2]).all() and np.isnan(result.p_value[..., 2]).all()
    assert not np.isnan(result.p_value[..., 1]).any()
    rows = result.records()
    assert [row["metric"] for row in rows[:3]] == ["between2", "centroid", "spread"]


def test_unknown_or_repeated_names_are_one_clear_error():
    with pytest.raises(AlignscopeError, match="metrics=.*not accepted"):
        metrics.checked(("between2", "between2"))
    with pytest.raises(AlignscopeError, match="metrics=.*not accepted"):
        metrics.checked(("nope",))
    with pytest.raises(AlignscopeError, match="metrics=.*not accepted"):  # no Gram form
        gram_separation.metric_values(gram_separation.LayerStatistics(gram=np.eye(3), eig=None), np.zeros((1, 3)),
                                      3, metrics=("probe",))


def test_every_record_is_complete():
    assert metrics.DEFAULT_METRICS == tuple(name for name, m in metrics.REGISTRY.items() if not m.needs_pairs)
    for name, metric in metrics.REGISTRY.items():
        assert metric.name == name and metric.description
        low, high = metric.bounds
        assert low < high and callable(metric.features)
