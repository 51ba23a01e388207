"""Shared pieces every alignscope package may import: the version and the one user-error type.

The analysis itself lives in `engine/` (models, loading, data, extraction), `kernels/` (pure
math on arrays) and `experiments/` (entrypoints, figures, reports).
"""

__version__ = "0.1.0"
