"""float32 kernels multiply in true float32.

On GPUs and TPUs, XLA's default precision multiplies float32 matrices in TF32 or bfloat16
passes (errors near 1e-3); every public kernel runs under `highest`, so float32 statistics are
float32 everywhere (and float64 stays float64). On CPUs this changes nothing.
"""

import functools
from typing import Callable, TypeVar

import jax

F = TypeVar("F", bound=Callable)


def full_precision(kernel: F) -> F:
    """Runs `kernel` (and whatever it traces) with `jax.default_matmul_precision("highest")`."""

    @functools.wraps(kernel)
    def wrapped(*args, **kwargs):
        with jax.default_matmul_precision("highest"):
            return kernel(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
