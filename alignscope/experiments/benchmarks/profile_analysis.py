"""`kernels.analysis.analyze` at the papers' shape, one layer, split into its parts (BENCHMARKS.md,
"The analysis at the papers' shape"): 2 models x 2 languages x 1,000 rows x d = 4,096, the
default metrics, 200 bootstrap replicas and 100 permutations. Prints seconds per part, second
calls after a first (compiling) one, and the load average before and after.

    python -m alignscope.experiments.benchmarks.profile_analysis
"""

from __future__ import annotations

import os
import time

import numpy as np

from alignscope.kernels import analysis

ROWS, D, BOOTSTRAP, PERMUTATIONS = 1000, 4096, 200, 100
GRAM_METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette")


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`X: [2 models, 1 layer, 2·ROWS, D]` float32 with a power-law spectrum and a small class
    shift on the top 8 axes, labels `[2·ROWS]` and languages ("en", "zh")."""
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(ROWS) % 2, 2)
    X = (rng.standard_normal((2, 1, 2 * ROWS, D)) / np.sqrt(np.arange(1, D + 1))).astype(np.float32)
    X[..., :8] += (y[:, None] - 0.5) * 0.3
    return X, y, np.repeat(["en", "zh"], ROWS)


def seconds(X, y, langs, metrics, bootstrap, permutations) -> tuple[float, float]:
    """(first call, second call) seconds of `analyze` with these metrics and replica counts."""
    options = analysis.AnalysisOptions(metrics=metrics, bootstrap=bootstrap, permutations=permutations)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        analysis.analyze(X, y, langs, options=options)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def main() -> None:
    X, y, langs = inputs()
    print(f"load average before: {os.getloadavg()}")
    first, second = seconds(X, y, langs, analysis.DEFAULT_METRICS, BOOTSTRAP, PERMUTATIONS)
    print(f"whole analysis: first call {first:.1f} s, second call {second:.1f} s")
    for name, metrics in (("six Gram-path metrics", GRAM_METRICS), ("probe", ("probe",))):
        # The fewest replicas `analyze` accepts (2) stand for "no bootstrap".
        parts = {"estimate and permutations": (2, PERMUTATIONS), "bootstrap": (BOOTSTRAP, 0),
                 "both": (BOOTSTRAP, PERMUTATIONS)}
        timed = {part: seconds(X, y, langs, metrics, *counts)[1] for part, counts in parts.items()}
        print(f"{name}: " + ", ".join(f"{part} {value:.1f} s" for part, value in timed.items()))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
