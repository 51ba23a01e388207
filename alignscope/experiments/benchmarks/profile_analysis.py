"""`kernels.analysis.analyze` at the papers' shape, one layer, split into its parts (BENCHMARKS.md,
"The analysis at the papers' shape"): 2 models x 2 languages x 1,000 rows x d = 4,096, the
default metrics, 200 bootstrap replicas and 100 permutations. Prints seconds per part (second
calls, after a first compiling one), then a call on `LAYERS` layers at once (what a real model's
run is: compilation is paid once for every layer) and the 33-layer time that projects, and
writes them, with versions and the load average before and after, to the JSON file named as
the argument (default profile_analysis.json).

    python -m alignscope.experiments.benchmarks.profile_analysis benchmarks/profile_analysis_cpu.json
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

import numpy as np

from alignscope.kernels import analysis
from alignscope.versions import library_versions

ROWS, D, BOOTSTRAP, PERMUTATIONS = 1000, 4096, 200, 100
LAYERS = 4
GRAM_METRICS = ("evr2", "between2", "between10", "fisher", "bhattacharyya", "silhouette")


def inputs(layers: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`X: [2 models, layers, 2·ROWS, D]` float32 with a power-law spectrum and a small class
    shift on the top 8 axes, labels `[2·ROWS]` and languages ("en", "zh")."""
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(ROWS) % 2, 2)
    X = (rng.standard_normal((2, layers, 2 * ROWS, D)) / np.sqrt(np.arange(1, D + 1))).astype(np.float32)
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


def main(path: str) -> None:
    X, y, langs = inputs()
    before = os.getloadavg()
    print(f"load average before: {before}")
    first, second = seconds(X, y, langs, analysis.DEFAULT_METRICS, BOOTSTRAP, PERMUTATIONS)
    print(f"whole analysis: first call {first:.1f} s, second call {second:.1f} s")
    result = {"shape": {"models": 2, "langs": 2, "layers": 1, "rows_per_lang": ROWS, "d": D, "bootstrap": BOOTSTRAP,
                        "permutations": PERMUTATIONS},
              "whole_first_call_s": first, "whole_second_call_s": second, "parts_second_call_s": {}}
    for name, metrics in (("six Gram-path metrics", GRAM_METRICS), ("probe", ("probe",))):
        # The fewest replicas `analyze` accepts (2) stand for "no bootstrap".
        parts = {"estimate and permutations": (2, PERMUTATIONS), "bootstrap": (BOOTSTRAP, 0),
                 "both": (BOOTSTRAP, PERMUTATIONS)}
        timed = {part: seconds(X, y, langs, metrics, *counts)[1] for part, counts in parts.items()}
        result["parts_second_call_s"][name] = timed
        print(f"{name}: " + ", ".join(f"{part} {value:.1f} s" for part, value in timed.items()))
    many_first, many_second = seconds(*inputs(LAYERS), analysis.DEFAULT_METRICS, BOOTSTRAP, PERMUTATIONS)
    per_layer = many_second / LAYERS
    projected = many_first + (33 - LAYERS) * per_layer
    print(f"{LAYERS} layers at once: first call {many_first:.1f} s, second call {many_second:.1f} s"
          f" ({per_layer:.1f} s a layer); 33 layers: about {projected:.0f} s with compilation")
    result |= {"layers_at_once": LAYERS, "layers_first_call_s": many_first, "layers_second_call_s": many_second,
               "second_call_s_per_layer": per_layer, "projected_33_layers_s": projected}
    after = os.getloadavg()
    print(f"load average after: {after}")
    result |= {"versions": library_versions(), "load_average_1_5_15_min": {"before": list(before), "after": list(after)}}
    pathlib.Path(path).write_text(json.dumps(result, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "profile_analysis.json")
