"""kernels.analysis against float64 numpy / scikit-learn recomputed on the same shared draws.

Everything runs under `jax.enable_x64`, so agreement is to rtol 1e-8 (the probe against
scikit-learn's RidgeClassifier on the same folds, features standardised over the language's rows).
"""

import jax
import numpy as np
import pytest
import scipy.stats
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from alignscope.errors import AlignscopeError
from alignscope.kernels import analysis, cka, gram_separation, metrics, probe, ridge_probe

MODELS, LAYERS, D = 2, 2, 14
METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette", "probe")
RTOL = 1e-8


def parallel_data(per_class=16, seed=0):
    """en and zh rows of the same groups (parallel translations), plus one German-only duplicate
    pair; model 1 separates the classes more than model 0, English most."""
    rng = np.random.default_rng(seed)
    groups = np.arange(2 * per_class)
    y_group = (groups < per_class).astype(int)
    langs = np.repeat(["en", "zh"], 2 * per_class)
    y = np.tile(y_group, 2)
    group_of = np.tile(groups, 2)
    X = rng.normal(size=(MODELS, LAYERS, len(y), D))
    shift = rng.normal(size=D)
    X[1][:, y == 1] += 0.8 * shift
    X[1][:, (y == 1) & (langs == "en")] += 0.8 * shift
    return X, y, langs, group_of


@pytest.fixture(scope="module")
def fitted():
    X, y, langs, groups = parallel_data()
    options = analysis.AnalysisOptions(metrics=METRICS, bootstrap=12, permutations=6, probe_folds=4)
    with jax.enable_x64(True):
        result = analysis.analyze(X, y, langs, groups, options=options)
    return X, y, langs, groups, options, result


def between_ref(X, y, k):
    Z = PCA(k, svd_solver="full").fit_transform(X)
    total = np.sum((Z - Z.mean(0)) ** 2)
    return sum((y == c).sum() * np.sum((Z[y == c].mean(0) - Z.mean(0)) ** 2) for c in (0, 1)) / total


def fisher_ref(X, y):
    n, d = X.shape
    mu = [X[y == c].mean(0) for c in (0, 1)]
    R = X - np.where(y[:, None] == 1, mu[1], mu[0])
    lam = ledoit_wolf_shrinkage(R)
    sigma = R.T @ R / (n - 2)
    sigma = (1 - lam) * sigma + lam * np.trace(sigma) / d * np.eye(d)
    return (mu[1] - mu[0]) @ np.linalg.solve(sigma, mu[1] - mu[0])


def bhattacharyya_ref(X, y, k):
    Z = PCA(k, svd_solver="full").fit_transform(X)
    C0, C1 = np.cov(Z[y == 0], rowvar=False), np.cov(Z[y == 1], rowvar=False)
    if max(np.linalg.cond(C0), np.linalg.cond(C1)) > 1e12:  # a class with ≤ k distinct rows
        return np.nan
    C = (C0 + C1) / 2
    delta = Z[y == 1].mean(0) - Z[y == 0].mean(0)
    logdet = lambda M: np.linalg.slogdet(M)[1]
    return delta @ np.linalg.solve(C, delta) / 8 + 0.5 * (logdet(C) - 0.5 * (logdet(C0) + logdet(C1)))


def silhouette_with_copies_ref(X, y, original):
    """Silhouette where rows with the same `original` id are one point: a row's own-class mean
    distance leaves out all its copies. Equals scikit-learn's when ids are distinct."""
    dist = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    scores = []
    for i in range(len(y)):
        own = (y == y[i]) & (original != original[i])
        other = y != y[i]
        if not own.any():
            scores.append(0.0)
            continue
        a, b = dist[i, own].sum() / own.sum(), dist[i, other].mean()
        scores.append((b - a) / max(a, b))
    return np.mean(scores)


def probe_ref(X, y, groups, options, standardise_on):
    """Cross-validated accuracy of scikit-learn's RidgeClassifier on the analysis's folds, with
    features standardised over the rows `standardise_on` (the language's own rows)."""
    Z = StandardScaler().fit(standardise_on).transform(X)
    folds = probe.group_folds(len(y), options.probe_folds, groups, options.seed)
    correct = 0
    for fold in range(options.probe_folds):
        train, test = folds != fold, folds == fold
        alpha = ridge_probe.RIDGE * np.mean(np.sum((Z[train] - Z[train].mean(0)) ** 2, axis=1))
        correct += np.sum(RidgeClassifier(alpha=alpha).fit(Z[train], y[train]).predict(Z[test]) == y[test])
    return correct / len(y)


def metric_refs(X, y, groups, options, original=None, standardise_on=None):
    """Float64 references of METRICS for one `X: [n, d]` (the probe only when options ask,
    standardised over `standardise_on`, default X)."""
    top = min(10, len(y) - 1, X.shape[1])
    original = np.arange(len(y)) if original is None else original
    values = [
        PCA(2, svd_solver="full").fit(X).explained_variance_ratio_.sum(),
        between_ref(X, y, 2),
        between_ref(X, y, top),
        fisher_ref(X, y),
        bhattacharyya_ref(X, y, top),
        silhouette_with_copies_ref(X, y, original),
    ]
    if "probe" in options.metrics:
        values.append(probe_ref(X, y, groups, options, X if standardise_on is None else standardise_on))
    return np.array(values)


def test_estimates_match_references(fitted):
    X, y, langs, groups, options, result = fitted
    assert result.langs == ("en", "zh") and result.metrics == METRICS and result.layers == LAYERS
    with jax.enable_x64(True):
        for g, lang in enumerate(result.langs):
            rows = np.flatnonzero(langs == lang)
            for m in range(MODELS):
                for layer in range(LAYERS):
                    expected = metric_refs(X[m, layer, rows], y[rows], groups[rows], options)
                    np.testing.assert_allclose(result.plug_in[m, g, layer], expected, rtol=RTOL)
    np.testing.assert_allclose(silhouette_with_copies_ref(X[0, 0], y, np.arange(len(y))),
                               silhouette_score(X[0, 0], y), rtol=1e-12)


def test_bootstrap_replicas_are_the_metrics_of_the_drawn_rows(fitted):
    X, y, langs, groups, options, result = fitted
    with jax.enable_x64(True):
        for g, lang in enumerate(result.langs):
            own = result.draws[lang].rows
            for r in (0, 7):
                rows = result.draws[lang].bootstrap[r]
                for m in range(MODELS):
                    expected = metric_refs(X[m, 1, rows], y[rows], groups[rows], options, original=rows,
                                           standardise_on=X[m, 1, own])
                    np.testing.assert_allclose(result.replicas[r, m, g, 1], expected, rtol=RTOL)
    np.testing.assert_allclose(result.bias, np.nanmean(result.replicas, axis=0) - result.plug_in, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Degrees of freedom")  # a metric NaN in every replica
def test_intervals_are_normal_about_the_bias_corrected_estimate(fitted):
    X, *_, result = fitted
    n = len(result.draws["en"].rows)
    half_width = 1.959964 * np.nanstd(result.replicas, axis=0, ddof=1)
    for k, name in enumerate(METRICS):
        metric = metrics.REGISTRY[name]
        given = n >= metric.min_rows_per_feature * X.shape[-1]
        corrected = result.plug_in[..., k] - (result.bias[..., k] if metric.debiased and given else 0.0)
        low, high = metric.bounds
        np.testing.assert_allclose(result.estimate[..., k], np.clip(corrected, low, high), rtol=1e-12)
        if not given:
            assert np.isnan(result.low[..., k]).all() and any(name in note for note in result.notes)
            continue
        np.testing.assert_allclose(result.low[..., k], np.clip(corrected - half_width[..., k], low, high),
                                   rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(result.high[..., k], np.clip(corrected + half_width[..., k], low, high),
                                   rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("gram_rows", [0, 10**6], ids=["feature-space", "gram"])
def test_both_paths_give_every_replica_its_reference(gram_rows, monkeypatch):
    # Languages with more rows than `GRAM_PATH_MAX_ROWS` and than features take the feature-space
    # kernels; all others the Gram path. Either way: same references, same draws, every replica.
    monkeypatch.setattr(gram_separation, "GRAM_PATH_MAX_ROWS", gram_rows)
    X, y, langs, groups = parallel_data()
    options = analysis.AnalysisOptions(metrics=METRICS, bootstrap=3, permutations=2, probe_folds=4)
    with jax.enable_x64(True):
        result = analysis.analyze(X, y, langs, groups, options=options)
        for g, lang in enumerate(result.langs):
            draws = result.draws[lang]
            # (values [models, layers, metrics], rows, labels, copies' original ids, first metric)
            cases = [(result.plug_in[:, g], draws.rows, y[draws.rows], None, 0)]
            cases += [(result.replicas[r, :, g], rows, y[rows], rows, 0) for r, rows in enumerate(draws.bootstrap)]
            cases += [(result.null[p, :, g], draws.rows, labels, None, 1)  # evr2 has no null
                      for p, labels in enumerate(draws.permuted_labels)]
            for got, rows, labels, original, first in cases:
                for m in range(MODELS):
                    expected = metric_refs(X[m, 1, rows], labels, groups[rows], options, original=original,
                                           standardise_on=X[m, 1, draws.rows])
                    np.testing.assert_allclose(got[m, 1, first:], expected[first:], rtol=RTOL)


def test_changes_and_gaps_are_paired_on_the_same_draws(fitted):
    *_, result = fitted
    change = result.replicas[:, 1] - result.replicas[:, 0]  # [R, langs, layers, metrics]
    k = METRICS.index("between2")  # not bias-corrected: the change is the plug-in difference
    np.testing.assert_allclose(result.change[1, ..., k], (result.plug_in[1] - result.plug_in[0])[..., k], rtol=1e-12)
    sd = np.nanstd(change[..., k], axis=0, ddof=1)
    np.testing.assert_allclose(result.change_low[1, ..., k], result.change[1, ..., k] - 1.959964 * sd, rtol=1e-6)
    gap = change[:, 1] - change[:, 0]  # zh minus en, replica by replica
    np.testing.assert_allclose(result.gap[1, 1], result.change[1, 1] - result.change[1, 0], rtol=1e-9, atol=1e-12)
    gap_sd = np.nanstd(gap[..., k], axis=0, ddof=1)
    np.testing.assert_allclose(result.gap_high[1, 1, :, k], result.gap[1, 1, :, k] + 1.959964 * gap_sd, rtol=1e-6)
    np.testing.assert_allclose(result.gap_p_value[1, 1, :, k],
                               2 * scipy.stats.norm.sf(np.abs(result.gap[1, 1, :, k]) / gap_sd), rtol=1e-9)
    assert np.isnan(result.change[0]).all() and np.isnan(result.gap[:, 0]).all()
    assert np.isnan(result.gap[0]).all()
    # English separates most after "alignment": its change in the between-class ratio is larger.
    assert (result.gap[1, 1, :, k] < 0).all()


def test_permutation_null_is_the_metrics_of_the_permuted_labels(fitted):
    X, y, langs, groups, options, result = fitted
    with jax.enable_x64(True):
        rows = result.draws["zh"].rows
        for p in (0, 5):
            labels = result.draws["zh"].permuted_labels[p]
            expected = metric_refs(X[1, 0, rows], labels, groups[rows], options)
            np.testing.assert_allclose(result.null[p, 1, 1, 0, 1:], expected[1:], rtol=RTOL)
    assert np.isnan(result.null[..., 0]).all() and np.isnan(result.p_value[..., 0]).all()
    null = result.null[..., 1:]
    np.testing.assert_allclose(result.null_mean[..., 1:], null.mean(0), rtol=1e-12)
    expected_p = (1 + (null >= result.plug_in[..., 1:]).sum(0)) / (1 + len(null))
    np.testing.assert_allclose(result.p_value[..., 1:], expected_p)


def test_draws_keep_groups_together_and_are_shared_by_parallel_languages():
    X, y, langs, groups = parallel_data(per_class=6)
    # German: three duplicate pairs (one group each) and a toxic / neutral paraphrase pair.
    de_y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    de_groups = np.array([100, 100, 101, 102, 103, 103, 104, 105, 106, 106])
    y = np.r_[y, de_y]
    groups = np.r_[groups, de_groups]
    langs = np.r_[langs, ["de"] * len(de_y)]
    X = np.random.default_rng(1).normal(size=(1, 1, len(y), 3))
    options = analysis.AnalysisOptions(metrics=("between2",), bootstrap=40, permutations=30)
    draws = analysis.analyze(X, y, langs, groups, options=options).draws
    en, zh, de = draws["en"], draws["zh"], draws["de"]
    np.testing.assert_array_equal(groups[en.bootstrap], groups[zh.bootstrap])  # paired languages
    np.testing.assert_array_equal((langs[en.bootstrap] == "en").all(), True)
    for lang, draw in draws.items():
        rows = draw.rows
        assert (np.sort(y[draw.bootstrap], axis=1) == np.sort(y[rows])).all()  # class sizes kept
        if lang != "de":  # groups of one size: permuting group labels keeps class sizes too
            assert (np.sort(draw.permuted_labels, axis=1) == np.sort(y[rows])).all()
        assert draw.permuted_labels.shape == (30, len(rows))
        assert not (draw.permuted_labels == y[rows]).all()
    position = {row: i for i, row in enumerate(de.rows)}
    for drawn in de.bootstrap:
        counts = {row: (drawn == row).sum() for row in de.rows}
        for group in (100, 103, 106):  # whole groups (the last one drawn may be cut)
            a, b = (row for row in de.rows if groups[row] == group)
            assert abs(counts[a] - counts[b]) <= 1
    for labels in de.permuted_labels:
        for group in (100, 103, 106):
            a, b = (position[row] for row in de.rows if groups[row] == group)
            if group == 106:
                assert labels[a] + labels[b] == 1  # the pair's labels are kept or swapped
            else:
                assert labels[a] == labels[b]  # a duplicate group moves as one
    assert (en.permuted_labels == zh.permuted_labels).all()


def test_paired_shift_and_its_null():
    rng = np.random.default_rng(2)
    p, d = 12, 5
    toxic = rng.normal(size=(p, d)) + 1.5
    neutral = toxic + rng.normal(size=(p, d)) * 0.3 - 1.0
    X = np.concatenate([toxic, neutral])[None, None]
    y = np.r_[np.ones(p, int), np.zeros(p, int)]
    pairs = np.stack([np.arange(p), np.arange(p) + p], axis=1)
    groups = np.r_[np.arange(p), np.arange(p)]
    options = analysis.AnalysisOptions(metrics=("paired_shift", "fisher"), bootstrap=8, permutations=8)
    with jax.enable_x64(True):
        result = analysis.analyze(X, y, ["en"] * (2 * p), groups, pairs, options=options)
    flat = X[0, 0]
    spread = np.sqrt(np.sum((flat - flat.mean(0)) ** 2) / (2 * p - 1))
    expected = np.linalg.norm((toxic - neutral).mean(0)) / spread
    np.testing.assert_allclose(result.plug_in[0, 0, 0, 0], expected, rtol=RTOL)
    draws = result.draws["en"]
    for r in range(8):
        rows = draws.bootstrap[r]
        weights = np.bincount(rows, minlength=2 * p)[:p]
        assert (weights == np.bincount(rows, minlength=2 * p)[p:]).all()  # pairs drawn whole
        shift = (weights[:, None] * (toxic - neutral)).sum(0) / weights.sum()
        drawn = flat[rows]
        spread_r = np.sqrt(np.sum((drawn - drawn.mean(0)) ** 2) / (2 * p - 1))
        np.testing.assert_allclose(result.replicas[r, 0, 0, 0, 0], np.linalg.norm(shift) / spread_r, rtol=RTOL)
        labels = draws.permuted_labels[r]
        signs = labels[:p] - labels[p:]
        assert set(signs) <= {-1, 1}
        expected_null = np.linalg.norm((signs[:, None] * (toxic - neutral)).mean(0)) / spread
        np.testing.assert_allclose(result.null[r, 0, 0, 0, 0], expected_null, rtol=RTOL)
    assert result.reference_lang == "en" and np.isnan(result.gap).all()


def test_records_and_a_missing_reference_language():
    X, y, langs, groups = parallel_data(per_class=6)
    langs = np.where(langs == "en", "hi", langs)
    options = analysis.AnalysisOptions(metrics=("between2", "silhouette"), bootstrap=4, permutations=0)
    result = analysis.analyze(X, y, langs, groups, options=options)
    assert result.reference_lang is None and "no 'en' rows" in result.notes[0]
    assert np.isnan(result.gap).all() and np.isnan(result.null_mean).all()
    rows = result.records(model_names=["base", "chat"], layer_names=[0, 5])
    assert len(rows) == MODELS * 2 * LAYERS * 2
    first = rows[0]
    assert (first["model"], first["lang"], first["layer"], first["metric"]) == ("base", "hi", 0, "between2")
    assert set(first) == {"model", "lang", "layer", "metric", *analysis.RECORD_FIELDS}
    assert first["change"] is None and rows[-1]["change"] == pytest.approx(
        result.plug_in[1, 1, 1, 1] - result.plug_in[0, 1, 1, 1])
    with pytest.raises(AlignscopeError, match="model names"):
        result.records(model_names=["only one"])


@pytest.mark.parametrize("change,match", [
    (dict(labels="one_class_in_zh"), "language 'zh' has 0 row"),
    (dict(metrics=("between2", "nope")), "metrics="),
    (dict(metrics=("paired_shift",)), "needs pairs"),
    (dict(activations="3d"), r"\[models, layers, n, d\]"),
    (dict(langs="short"), "one language per row"),
    (dict(bootstrap=1), "bootstrap=1"),
])
def test_bad_input_is_one_clear_error(change, match):
    X, y, langs, groups = parallel_data(per_class=6)
    if change.get("labels"):
        y = np.where(langs == "zh", 0, y)
    if change.get("activations"):
        X = X[0]
    if change.get("langs"):
        langs = langs[:-1]
    options = analysis.AnalysisOptions(metrics=change.get("metrics", ("between2",)),
                                       bootstrap=change.get("bootstrap", 4), permutations=2)
    with pytest.raises(AlignscopeError, match=match):
        analysis.analyze(X, y, langs, groups, options=options)


def test_similarity_helpers():
    X, y, langs, _ = parallel_data(per_class=8)
    with jax.enable_x64(True):
        linear = analysis.cka_layers(X[0], X[1])
        np.testing.assert_allclose(linear, cka.cka_matrix(X[0], X[1]), rtol=1e-12)
        rbf = analysis.cka_layers(X[0], X[1], kind="rbf")
        np.testing.assert_allclose(rbf[1, 0], cka.rbf_cka(X[0, 1], X[1, 0]), rtol=1e-12)
        names, cosines = analysis.direction_cosines(X, y, langs)
    assert names == ("en", "zh") and cosines.shape == (MODELS, LAYERS, 2, 2)
    direction = lambda rows: (lambda v: v / np.linalg.norm(v))(X[1, 0, rows][y[rows] == 1].mean(0)
                                                             - X[1, 0, rows][y[rows] == 0].mean(0))
    expected = direction(langs == "en") @ direction(langs == "zh")
    np.testing.assert_allclose(cosines[1, 0, 0, 1], expected, rtol=1e-10)
    np.testing.assert_allclose(np.diagonal(cosines, axis1=2, axis2=3), 1.0, rtol=1e-12)
