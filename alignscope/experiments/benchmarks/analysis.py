"""The `analysis` benchmark suite: the experiments' one kernels entry point (`kernels.analysis.
analyze`) on the default run's shape, against scikit-learn and numpy computing the same metrics on
the same draws, in one process.

Shape: the default `python -m experiments.separation --lang=zh`: 3 models × 7 hidden states × 2
languages × 179 rows × d = 128, all seven default metrics, 50 bootstrap replicas and 20
permutations (71 labellings of every model, language and layer). Inputs are synthetic: a shared
low-rank content, noise and a class shift growing with depth and model.

Timed (seconds, wall clock):
- alignscope's whole analysis, first call (compilation included: what a user waits for) and
  second call; the same on the feature-space kernels (`GRAM_PATH_MAX_ROWS = 0`) at a tenth of the
  replicas, and the probe and the other metrics apart.
- the peer: per model × language × layer and labelling, scikit-learn `PCA(10)` (EVR, between-class,
  Bhattacharyya in numpy), Ledoit–Wolf shrinkage and a numpy solve (Fisher), `silhouette_score`, and
  `StandardScaler` + `RidgeClassifier` per fold (the probe); timed on `PEER_LABELLINGS` labellings
  (the estimate, permutations, bootstrap draws) and scaled to the workload's 71. The peer runs with
  one BLAS thread (`threadpoolctl`): on matrices this small, OpenBLAS's own threads were 15x slower
  on the shared cores.
Agreement: the largest |alignscope − peer| per metric on the estimate and the permutations (the
bootstrap silhouette differs by definition: alignscope counts a row's copies in a draw as one point).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from alignscope.experiments.benchmarks.kernels import peer_pca_metrics, peer_silhouette, timed
from alignscope.kernels import analysis, gram_separation, probe, ridge_probe

MODELS, LAYERS, ROWS, D = 3, 7, 179, 128
LANGS = ("en", "zh")
OPTIONS = analysis.AnalysisOptions(bootstrap=50, permutations=20)
PEER_LABELLINGS = 5  # the estimate, 2 permutations, 2 bootstrap draws


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`X [models, layers, n, d]` float32, labels, languages and parallel groups (row i of each
    language is one translation set)."""
    rng = np.random.default_rng(0)
    y_lang = (np.arange(ROWS) < ROWS // 2).astype(np.int64)
    y = np.tile(y_lang, len(LANGS))
    langs = np.repeat(LANGS, ROWS)
    groups = np.tile(np.arange(ROWS), len(LANGS))
    content = rng.standard_normal((ROWS, 16)) @ rng.standard_normal((16, D))
    shift = rng.standard_normal(D) / np.sqrt(D)
    X = np.empty((MODELS, LAYERS, len(y), D), np.float32)
    for m in range(MODELS):
        for layer in range(LAYERS):
            noise = rng.standard_normal((len(y), D))
            strength = 0.5 + 0.3 * layer + 0.5 * m * (langs == "en")
            X[m, layer] = np.tile(content, (len(LANGS), 1)) + noise + 4.0 * strength[:, None] * y[:, None] * shift
    return X, y, langs, groups


def _peer_fisher(X, y):
    from sklearn.covariance import ledoit_wolf_shrinkage

    means = [X[y == c].mean(0) for c in (0, 1)]
    residuals = X - np.where(y[:, None] == 1, means[1], means[0])
    shrinkage = ledoit_wolf_shrinkage(residuals)
    sigma = residuals.T @ residuals / (len(y) - 2)
    sigma = (1 - shrinkage) * sigma + shrinkage * np.trace(sigma) / X.shape[1] * np.eye(X.shape[1])
    delta = means[1] - means[0]
    return delta @ np.linalg.solve(sigma, delta)


def _peer_probe(X, y, groups, standardise_on):
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit(standardise_on).transform(X)
    folds = probe.group_folds(len(y), OPTIONS.probe_folds, groups, OPTIONS.seed)
    correct = 0
    for fold in range(OPTIONS.probe_folds):
        train, test = folds != fold, folds == fold
        alpha = ridge_probe.RIDGE * np.mean(np.sum((Z[train] - Z[train].mean(0)) ** 2, axis=1))
        correct += np.sum(RidgeClassifier(alpha=alpha).fit(Z[train], y[train]).predict(Z[test]) == y[test])
    return correct / len(y)


def peer_metrics(X, y, groups, standardise_on) -> np.ndarray:
    """The seven default metrics of one `X: [n, d]` (float64) in `analysis.DEFAULT_METRICS` order."""
    X = X.astype(np.float64)
    evr2, between2, between10, bhattacharyya = peer_pca_metrics(X, y, 10)
    return np.array([evr2, between2, between10, _peer_fisher(X, y), bhattacharyya, peer_silhouette(X, y),
                     _peer_probe(X, y, groups, standardise_on)])


def _ours(X, y, langs, groups, options) -> tuple[float, float, analysis.Analysis]:
    first, _ = timed(lambda: analysis.analyze(X, y, langs, groups, options=options))
    second, result = timed(lambda: analysis.analyze(X, y, langs, groups, options=options))
    return first, second, result


def run(log: Callable[[str], None] = print) -> dict:
    """Times the workload; returns seconds, ratios and the agreement per metric."""
    X, y, langs, groups = inputs()
    labellings = 1 + OPTIONS.bootstrap + OPTIONS.permutations
    log("alignscope: whole analysis")
    first, second, result = _ours(X, y, langs, groups, OPTIONS)
    parts = {}
    for name, metrics in (("probe", ("probe",)), ("other metrics", analysis.DEFAULT_METRICS[:-1])):
        log(f"alignscope: {name}")
        parts[name] = _ours(X, y, langs, groups, analysis.AnalysisOptions(
            metrics=metrics, bootstrap=OPTIONS.bootstrap, permutations=OPTIONS.permutations))[1]
    log("alignscope: feature-space kernels at a tenth of the replicas")
    tenth = analysis.AnalysisOptions(bootstrap=OPTIONS.bootstrap // 10, permutations=OPTIONS.permutations // 10)
    saved, gram_separation.GRAM_PATH_MAX_ROWS = gram_separation.GRAM_PATH_MAX_ROWS, 0
    try:
        feature_first, feature_second, _ = _ours(X, y, langs, groups, tenth)
    finally:
        gram_separation.GRAM_PATH_MAX_ROWS = saved
    gram_tenth = _ours(X, y, langs, groups, tenth)[1]

    import threadpoolctl  # comes with scikit-learn, which the peers need

    log(f"peer: scikit-learn on {PEER_LABELLINGS} of {labellings} labellings")
    with threadpoolctl.threadpool_limits(1):
        peer_seconds, differences = _peer(X, y, groups, result)
    peer_total = peer_seconds * labellings / PEER_LABELLINGS
    worst = np.nanmax(np.stack(differences), axis=0)
    return {
        "shape": {"models": MODELS, "layers": LAYERS, "langs": len(LANGS), "rows_per_lang": ROWS, "d": D,
                  "bootstrap": OPTIONS.bootstrap, "permutations": OPTIONS.permutations},
        "alignscope_first_call_s": first, "alignscope_s": second,
        "alignscope_probe_s": parts["probe"], "alignscope_other_metrics_s": parts["other metrics"],
        "feature_space_tenth_first_call_s": feature_first, "feature_space_tenth_s": feature_second,
        "gram_path_tenth_s": gram_tenth,
        "peer_s_extrapolated": peer_total, "peer_over_alignscope": peer_total / second,
        "peer_over_alignscope_first_call": peer_total / first,
        "max_abs_difference": dict(zip(analysis.DEFAULT_METRICS, worst.tolist())),
    }


def _peer(X, y, groups, result) -> tuple[float, list[np.ndarray]]:
    """Seconds of the peer on `PEER_LABELLINGS` labellings of every model, language and layer, and
    its |difference| from alignscope on the estimate and the permutations."""
    seconds, differences = 0.0, []
    for g, lang in enumerate(result.langs):
        draws = result.draws[lang]
        cases = [(draws.rows, y[draws.rows], result.plug_in[:, g])]
        cases += [(draws.rows, draws.permuted_labels[p], result.null[p, :, g]) for p in range(2)]
        cases += [(draws.bootstrap[r], y[draws.bootstrap[r]], None) for r in range(2)]
        for rows, labels, ours in cases:
            for m in range(MODELS):
                for layer in range(LAYERS):
                    took, values = timed(lambda: peer_metrics(X[m, layer, rows], labels, groups[rows],
                                                               X[m, layer, draws.rows]))
                    seconds += took
                    if ours is not None:
                        differences.append(np.abs(ours[m, layer] - values))
    return seconds, differences


def table(result: dict) -> str:
    """The result as a Markdown table."""
    shape = result["shape"]
    lines = [f"analysis of {shape['models']} models x {shape['layers']} layers x {shape['langs']} languages x "
             f"{shape['rows_per_lang']} rows x d={shape['d']}, {shape['bootstrap']} bootstrap / "
             f"{shape['permutations']} permutations", "",
             "| what | seconds |", "|---|---|",
             f"| alignscope, first call (compilation included) | {result['alignscope_first_call_s']:.1f} |",
             f"| alignscope, second call | {result['alignscope_s']:.1f} |",
             f"| of which the probe alone | {result['alignscope_probe_s']:.1f} |",
             f"| of which the other six metrics alone | {result['alignscope_other_metrics_s']:.1f} |",
             f"| scikit-learn + numpy on the same draws (extrapolated) | {result['peer_s_extrapolated']:.1f} |",
             f"| peer / alignscope (second call; first call) | {result['peer_over_alignscope']:.1f}x; "
             f"{result['peer_over_alignscope_first_call']:.1f}x |",
             f"| a tenth of the replicas: Gram path, second call | {result['gram_path_tenth_s']:.1f} |",
             f"| a tenth of the replicas: feature-space kernels, first; second call | "
             f"{result['feature_space_tenth_first_call_s']:.1f}; {result['feature_space_tenth_s']:.1f} |",
             "", "largest |alignscope - peer| (estimate and permutations): " + ", ".join(
                 f"{k} {v:.2g}" for k, v in result["max_abs_difference"].items())]
    return "\n".join(lines)
