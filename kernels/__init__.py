"""Pure jitted math on activation arrays: PCA, separation metrics, CKA, probes, resampling.

Inputs are `[..., n, d]` with labels `[..., n]` (1 harmful, 0 harmless), batched over leading
axes (layers, languages, replicas). Call through the submodules, e.g.
`kernels.separation.fisher_ratio(X, y, shrinkage="auto")`. Bad input raises
`alignscope.errors.AlignscopeError`.
"""

from kernels import cka, eigen, gram, gram_metrics, gram_separation, pca, probe, resample, separation

__all__ = ["cka", "eigen", "gram", "gram_metrics", "gram_separation", "pca", "probe", "resample", "separation"]
