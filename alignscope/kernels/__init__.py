"""Pure jitted math on activation arrays: PCA, separation metrics, CKA, probes, resampling.

`kernels.analysis.analyze` is the one entry point the experiments call (every metric of several
models per language and layer, with shared bootstrap and permutation draws); the metrics it
reports are the records of `kernels.metrics.REGISTRY`, its draws and intervals `kernels.resample`.

Inputs are `[..., n, d]` with labels `[..., n]` (1 harmful, 0 harmless), batched over leading
axes (layers, languages, replicas). Call through the submodules, e.g.
`kernels.separation.fisher_ratio(X, y, shrinkage="auto")`. Bad input raises
`alignscope.errors.AlignscopeError`.

Gram-first: with n < d, or few rows (`gram_separation.GRAM_PATH_MAX_ROWS`), every separation
metric, permutation and bootstrap replica of a layer comes from its centred n × n Gram and top
eigenpairs (`gram`, `eigen`, `gram_metrics`, `gram_separation`), the analysis's ridge probe from
the Gram of the standardised rows (`ridge_probe`), and linear CKA from Grams too. The public
per-metric functions of `separation` and `resample.bootstrap` of them take the same path
(`gram_separation.public_route`). A bootstrap replica is computed on the draw's distinct rows,
weighted by their copies (`resample.distinct_draws`), and on a CPU the replicas run in one
thread per core, at most 4 (`host_threads`).
`kernels.probe` is the logistic probe for fitting and applying one probe.
"""

from alignscope.kernels import cka, eigen, gram, gram_metrics, host_threads, pca, probe, resample, ridge_probe
from alignscope.kernels import separation
from alignscope.kernels import samples, metrics, gram_separation, analysis

__all__ = ["analysis", "cka", "eigen", "gram", "gram_metrics", "gram_separation", "host_threads", "metrics", "pca",
           "probe", "resample", "ridge_probe", "samples", "separation"]
