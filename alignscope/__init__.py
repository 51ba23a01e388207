"""Shared pieces every alignscope package may import: the version and the one user-error type.

Everything else lives in one folder per role: `models`, `checkpoints`, `runtime`, `interp`,
`train`, `data`, `kernels` and `experiments`; `alignscope.engine` re-exports the public API.
"""

__version__ = "0.1.0"
