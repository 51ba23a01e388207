"""The `coverage` suite: how often `kernels.analysis`' intervals contain the truth, by simulation.

Data: two models × two languages of two-class Gaussian rows, x = μ_y + ε with ε ~ N(0, Σ),
Σ = diag(1/j), j = 1..d (a power-law spectrum, as hidden states have). Model m's class shift is
Δ_m = c_m Σ^½ u, u a fixed random unit vector on the top `SHIFT_AXES` axes (so the classes part
along the leading PCs, as in the papers' figures), and its squared Mahalanobis distance is
ΔᵀΣ⁻¹Δ = c_m²: 0 for model 0 (no class structure: the permutation null holds), 2 for model 1 and
8 for model 2, in both languages (so the true change is the same in both, and the true gap between
them is 0: every gap test's rejections are type-I errors). The two models share their noise (they read the
same texts), and row i of each language is one resampling group, parallel across languages.

Each repetition is an independent data set; the repetitions ride the analysis' layer axis, so one
`analyze` call runs them all on one set of draws.

Truths (population values of what each metric estimates, `truths`):
- evr2, between2, between10: from the total covariance Σ_T = Σ + ¼ΔΔᵀ and its top PCs;
- fisher: ΔᵀΣ⁻¹Δ (the Ledoit–Wolf shrinkage vanishes as n grows);
- bhattacharyya: ⅛ ΔᵀΣ̄⁻¹Δ on the top 10 PCs of Σ_T (equal class covariances: no log-det term);
- silhouette: the metric on 8,000 fresh rows (its U-statistic form has almost no bias);
- probe: the expected accuracy, on fresh rows, of the ridge probe trained as one fold of the
  cross-validation trains it (on (F − 1)/F of n rows), by Monte Carlo; the Bayes accuracy
  Φ(√(ΔᵀΣ⁻¹Δ)/2) is reported beside it.

Intervals are scored by coverage: the share of (repetition, language) cells whose interval
contains the truth, per model and metric, for the estimate and for the change from model 0.
Scored: the intervals `analyze` reports ("reported") and candidates from the same replicas
(`INTERVALS`), among them "basic", the interval `analyze` reported before this study. Also checked:
the permutation p-values of model 0 (uniform under its null) and the paired gap test's type-I
error at 5%.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import jax.numpy as jnp
import numpy as np
from scipy import stats

from alignscope.kernels import analysis, resample, ridge_probe, separation
from alignscope.kernels import metrics as metrics_registry

LANGS = ("en", "xx")
MAHALANOBIS_SQUARED = (0.0, 2.0, 8.0)  # ΔᵀΣ⁻¹Δ of each model
FOLDS = 5
SHIFT_AXES = 16
METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette", "probe")


@dataclasses.dataclass(frozen=True)
class Shape:
    """One simulated shape: `rows` per language (half of each class), `d` features, independent
    `repetitions`, and the analysis' `bootstrap` and `permutations`."""

    rows: int
    d: int
    repetitions: int
    bootstrap: int = 200
    permutations: int = 0

    def options(self, seed: int) -> analysis.AnalysisOptions:
        return analysis.AnalysisOptions(metrics=METRICS, bootstrap=self.bootstrap,
                                        permutations=self.permutations, probe_folds=FOLDS, seed=seed,
                                        reference_lang=LANGS[0])


@dataclasses.dataclass(frozen=True)
class Population:
    """`variances: [d]` the noise's (diagonal) covariance; `shifts: [models, d]` Δ_m = μ_1 − μ_0."""

    variances: np.ndarray
    shifts: np.ndarray

    @property
    def d(self) -> int:
        return len(self.variances)

    def sample(self, rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
        """`[models, len(y), d]` rows of every model on one draw of noise (class means ±Δ/2)."""
        noise = rng.standard_normal((len(y), self.d)) * np.sqrt(self.variances)
        return noise[None] + (y[None, :, None] - 0.5) * self.shifts[:, None, :]


def population(d: int, seed: int = 0) -> Population:
    """The simulated population at width `d` (see the module doc)."""
    variances = 1.0 / np.arange(1, d + 1)
    u = np.zeros(d)
    u[:SHIFT_AXES] = np.random.default_rng(seed).standard_normal(min(SHIFT_AXES, d))
    u /= np.linalg.norm(u)
    shifts = np.sqrt(np.asarray(MAHALANOBIS_SQUARED))[:, None] * (np.sqrt(variances) * u)[None]
    return Population(variances=variances, shifts=shifts)


def _top_pcs(pop: Population, shift: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues `[k]` and directions `[d, k]` of the top k PCs of Σ_T = Σ + ¼ΔΔᵀ."""
    total = np.diag(pop.variances) + 0.25 * np.outer(shift, shift)
    values, vectors = np.linalg.eigh(total)
    return values[::-1][:k], vectors[:, ::-1][:, :k]


def truths(pop: Population, rows: int, seed: int = 0, probe_fits: int = 100) -> np.ndarray:
    """`[models, metrics]` population values of `METRICS` for `rows` rows per language."""
    out = np.empty((len(pop.shifts), len(METRICS)))
    for m, shift in enumerate(pop.shifts):
        values, P = _top_pcs(pop, shift, 10)
        trace = pop.variances.sum() + 0.25 * shift @ shift
        on_top = P.T @ shift
        within_top = P.T @ (pop.variances[:, None] * P)
        value = {
            "evr2": values[:2].sum() / trace,
            "between2": 0.25 * (on_top[:2] @ on_top[:2]) / values[:2].sum(),
            "between10": 0.25 * (on_top @ on_top) / values.sum(),
            "fisher": shift @ (shift / pop.variances),
            "bhattacharyya": on_top @ np.linalg.solve(within_top, on_top) / 8,
            "silhouette": _silhouette_truth(pop, m, seed),
            "probe": _probe_truth(pop, m, rows, seed, probe_fits),
        }
        out[m] = [value[name] for name in METRICS]
    return out


def bayes_accuracy() -> np.ndarray:
    """`[models]` Φ(√(ΔᵀΣ⁻¹Δ)/2), the best accuracy any classifier reaches."""
    return stats.norm.cdf(np.sqrt(MAHALANOBIS_SQUARED) / 2)


def _silhouette_truth(pop: Population, model: int, seed: int, rows: int = 8000) -> float:
    y = np.arange(rows) % 2
    X = pop.sample(np.random.default_rng(seed + 1), y)[model]
    return float(separation.silhouette_score(jnp.asarray(X, jnp.float32), jnp.asarray(y)))


def _probe_truth(pop: Population, model: int, rows: int, seed: int, fits: int, tests: int = 20000) -> float:
    """Mean accuracy on `tests` fresh rows of the ridge probe trained as a cross-validation fold
    is (`kernels.ridge_probe`): features standardised over all `rows`, fitted on (F − 1)/F of them."""
    rng = np.random.default_rng(seed + 2)
    y_test = np.arange(tests) % 2
    X_test = pop.sample(rng, y_test)[model]
    hits = []
    for _ in range(fits):
        y = rng.permutation(np.arange(rows) % 2)
        X = pop.sample(rng, y)[model]
        train = np.arange(rows) >= rows // FOLDS
        mean, scale = X.mean(0), X.std(0)
        Z, Z_test = (X - mean) / scale, (X_test - mean) / scale
        s = 2.0 * y[train] - 1.0
        z_bar, s_bar = Z[train].mean(0), s.mean()
        Zc = Z[train] - z_bar
        alpha = ridge_probe.RIDGE * np.sum(Zc * Zc) / len(Zc)
        a = np.linalg.solve(Zc @ Zc.T + alpha * np.eye(len(Zc)), s - s_bar)
        w = Zc.T @ a
        hits.append(np.mean(((Z_test - z_bar) @ w + s_bar > 0) == y_test))
    return float(np.mean(hits))


def simulate(pop: Population, shape: Shape, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`X: [models, repetitions, 2·rows, d]` float32, labels, languages and parallel groups."""
    rng = np.random.default_rng(seed)
    y_lang = np.arange(shape.rows) % 2
    y = np.tile(y_lang, len(LANGS))
    X = np.empty((len(pop.shifts), shape.repetitions, len(y), pop.d), np.float32)
    for r in range(shape.repetitions):
        X[:, r] = pop.sample(rng, y)
    langs = np.repeat(LANGS, shape.rows)
    groups = np.tile(np.arange(shape.rows), len(LANGS))
    return X, y, langs, groups


# ---------------------------------------------------------------------------------------------
# Candidate intervals: (estimate [...], replicas [R, ...], level) -> (low, high)


def _quantiles(replicas, level):
    tail = (1.0 - level) / 2
    with np.errstate(invalid="ignore"):
        return np.nanquantile(replicas, [tail, 1.0 - tail], axis=0)


def _basic(estimate, replicas, level):
    low, high = _quantiles(replicas, level)
    return 2 * estimate - high, 2 * estimate - low


def _percentile(estimate, replicas, level):
    return tuple(_quantiles(replicas, level))


def _normal(estimate, replicas, level):
    interval = resample.normal_interval(estimate, replicas, level, debias=False)
    return interval.low, interval.high


def _normal_debiased(estimate, replicas, level):
    interval = resample.normal_interval(estimate, replicas, level, debias=True)
    return interval.low, interval.high


INTERVALS: dict[str, Callable] = {"basic": _basic, "percentile": _percentile, "normal": _normal,
                                  "normal_debiased": _normal_debiased}


def coverage(result: analysis.Analysis, truth: np.ndarray, level: float = 0.95) -> dict:
    """Per interval, `{"estimate"|"change"|"estimate_inside": {metric: [models]}}` coverage of
    the truth over the (repetition, language) cells ("estimate_inside": of the interval's own
    point); also the plug-in and reported estimates' mean error and the plug-in's spread."""
    plug_in = result.plug_in  # [models, langs, reps, metrics]
    truth_cells = truth[:, None, None, :]
    change_truth = (truth - truth[:1])[:, None, None, :]
    out = {"plug_in_minus_truth": _per_model(np.nanmean(plug_in - truth_cells, axis=(1, 2))),
           "estimate_minus_truth": _per_model(np.nanmean(result.estimate - truth_cells, axis=(1, 2))),
           "sd_of_plug_in": _per_model(np.nanstd(plug_in, axis=(1, 2))), "intervals": {}}
    change_replicas = result.replicas - result.replicas[:, :1]
    candidates = {name: (plug_in, *interval(plug_in, result.replicas, level),
                         plug_in - plug_in[:1], *interval(plug_in - plug_in[:1], change_replicas, level))
                  for name, interval in INTERVALS.items()}
    candidates["reported"] = (result.estimate, result.low, result.high,
                              result.change, result.change_low, result.change_high)
    for name, (point, low, high, change, change_low, change_high) in candidates.items():
        out["intervals"][name] = {
            "estimate": _per_model(_covered(low, high, truth_cells)),
            "change": _per_model(_covered(change_low, change_high, change_truth)[1:]),
            "estimate_inside": _per_model(_covered(low, high, point)),
        }
    return out


def tests(result: analysis.Analysis) -> dict:
    """Model 0's permutation p-values (its null holds) and the gap test's rejection rate at 5%
    (every true gap is 0), per metric: `{"null_p_at_most_0.05", "null_p_ks", "gap_type1"}`."""
    p = result.p_value[0]  # [langs, reps, metrics]
    out = {"null_p_at_most_0.05": {}, "null_p_ks": {}, "gap_type1": {}}
    for k, metric in enumerate(METRICS):
        values = p[..., k].ravel()
        values = values[~np.isnan(values)]
        if len(values):
            out["null_p_at_most_0.05"][metric] = round(float(np.mean(values <= 0.05)), 4)
            out["null_p_ks"][metric] = round(float(stats.kstest(values, "uniform").statistic), 4)
        gaps = result.gap_p_value[1:, 1:, :, k].ravel()
        out["gap_type1"][metric] = round(float(np.mean(gaps[~np.isnan(gaps)] <= 0.05)), 4)
    return out


def _covered(low, high, truth):
    """`[models, metrics]` share of cells with low ≤ truth ≤ high (a NaN interval misses)."""
    return np.mean((low <= truth) & (truth <= high), axis=(1, 2))


def _per_model(values: np.ndarray) -> dict:
    return {metric: [round(float(v), 4) for v in values[:, k]] for k, metric in enumerate(METRICS)}


def run(shape: Shape, seed: int = 0, log=print) -> dict:
    """The coverage of every candidate interval at `shape`."""
    pop = population(shape.d, seed)
    started = time.perf_counter()
    truth = truths(pop, shape.rows, seed)
    log(f"truths in {time.perf_counter() - started:.1f} s: {_per_model(truth)}")
    X, y, langs, groups = simulate(pop, shape, seed)
    started = time.perf_counter()
    result = analysis.analyze(X, y, langs, groups, options=shape.options(seed))
    seconds = time.perf_counter() - started
    log(f"analysis of {shape} in {seconds:.1f} s")
    out = {"shape": dataclasses.asdict(shape), "truth": _per_model(truth),
           "bayes_accuracy": bayes_accuracy().tolist(), "analysis_s": seconds, "notes": list(result.notes),
           **coverage(result, truth)}
    if shape.permutations:
        out["tests"] = tests(result)
    return out


def table(result: dict) -> str:
    """Coverage per metric (rows) and interval (columns), as percent: each model's estimate, then
    each model's change from model 0, then (in parentheses) the least share of intervals that hold
    their own point."""
    names = list(result["intervals"])
    lines = [f"shape {result['shape']}",
             "| metric | truth | plug-in − truth | sd | " + " | ".join(names) + " |",
             "|---" * (4 + len(names)) + "|"]
    for metric in METRICS:
        cells = []
        for name in names:
            got = result["intervals"][name]
            values = got["estimate"][metric] + got["change"][metric]
            cells.append(" / ".join(f"{100 * v:.0f}" for v in values)
                         + f" (in {100 * min(got['estimate_inside'][metric]):.0f})")
        pair = lambda key: ", ".join(f"{v:.3g}" for v in result[key][metric])
        lines.append(f"| {metric} | {pair('truth')} | {pair('plug_in_minus_truth')} | {pair('sd_of_plug_in')} | "
                     + " | ".join(cells) + " |")
    if "tests" in result:
        lines += ["", "| metric | model 0's permutation p ≤ 0.05 | its KS distance to uniform | gap test type-I at 5% |",
                  "|---|---|---|---|"]
        checks = result["tests"]
        for metric in METRICS:
            null = checks["null_p_at_most_0.05"].get(metric)
            lines.append(f"| {metric} | {'n/a' if null is None else f'{100 * null:.1f}%'} | "
                         f"{checks['null_p_ks'].get(metric, 'n/a')} | {100 * checks['gap_type1'][metric]:.1f}% |")
    return "\n".join(lines)


# The suite's shapes: the default run's (n = 180 rows per language, d = 128) with the permutation
# checks; a sweep of n/d at d = 128; and n/d = 0.25 (the papers' 1,000 rows at d = 4,096, scaled
# down) at d = 256, 512 and 1,024.
SHAPES = (Shape(rows=180, d=128, repetitions=100, permutations=99),
          Shape(rows=64, d=128, repetitions=50), Shape(rows=128, d=128, repetitions=50),
          Shape(rows=256, d=128, repetitions=40, bootstrap=100),
          Shape(rows=64, d=256, repetitions=50), Shape(rows=128, d=512, repetitions=100),
          Shape(rows=256, d=1024, repetitions=40, bootstrap=100))


def suite(log=print) -> dict:
    """Every shape of `SHAPES`: `{"shapes": [run(shape), ...]}`."""
    return {"shapes": [run(shape, log=log) for shape in SHAPES]}


def plot(result: dict, path) -> None:
    """Coverage of the estimate's interval (models with class structure, both languages pooled)
    against rows per feature n/d, per metric: what `analyze` reports (blue) and the basic interval
    it reported before (red); lines join the d = 128 sweep, and the marker gives d; the 93-97%
    band is shaded. A missing blue point: no interval is given at that shape."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shapes = sorted(result["shapes"], key=lambda r: r["shape"]["rows"] / r["shape"]["d"])
    markers = {128: "o", 256: "^", 512: "s", 1024: "D"}
    figure, axes = plt.subplots(2, 4, figsize=(13, 5.8), sharex=True, sharey=True)
    for ax, metric in zip(axes.flat, METRICS):
        ax.axhspan(93, 97, color="0.88", zorder=0)
        ax.axhline(95, color="0.6", linewidth=0.8)
        floor = metrics_registry.REGISTRY[metric].min_rows_per_feature
        for name, line in (("reported", "-"), ("basic", "--")):
            for model, shade in ((1, 0.55), (2, 0.0)):
                colour = (shade, shade, 0.9) if name == "reported" else (0.9, shade, shade)
                points = [(r["shape"]["rows"] / r["shape"]["d"], 100 * r["intervals"][name]["estimate"][metric][model],
                           r["shape"]["d"]) for r in shapes
                          if name == "basic" or r["shape"]["rows"] >= floor * r["shape"]["d"]]
                sweep = [(x, y) for x, y, d in points if d == 128]
                if sweep:
                    ax.plot(*zip(*sweep), line, color=colour, linewidth=1.2)
                for x, y, d in points:
                    ax.plot(x, y, markers[d], color=colour, markersize=4.5)
        ax.set_title(metric, fontsize=10)
        ax.set_xscale("log", base=2)
        ax.set_xticks([0.25, 0.5, 1, 2], ["¼", "½", "1", "2"])
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
    legend = axes.flat[-1]
    legend.axis("off")
    for name, line, colour in (("now (reported)", "-", (0.0, 0.0, 0.9)), ("before (basic)", "--", (0.9, 0.0, 0.0))):
        legend.plot([], [], line, color=colour, label=name)
    for model, shade, tone in ((1, 0.55, "light"), (2, 0.0, "dark")):
        legend.plot([], [], "-", color=(shade, shade, shade), label=f"{tone}: ΔᵀΣ⁻¹Δ = {MAHALANOBIS_SQUARED[model]:g}")
    for d, marker in markers.items():
        legend.plot([], [], marker, color="0.3", label=f"d = {d}")
    legend.legend(loc="center", fontsize=8, frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel("rows per feature, n / d")
    for ax in axes[:, 0]:
        ax.set_ylabel("coverage of 95% interval (%)")
    figure.suptitle("Do the 95% intervals hold the population value? (simulated Gaussian classes; "
                    "a missing blue point: no interval given)", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
