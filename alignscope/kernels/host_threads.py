"""Independent replicas of a jitted kernel run concurrently on the host's CPU cores.

A bootstrap replica on the Gram path is a chain of small operations (gathers, a warm-started
eigen solve of a few hundred rows, Cholesky factorizations), so one XLA:CPU execution keeps
about one core busy. `over_threads` splits the replica axis into equal parts and runs each part
in its own Python thread (jax releases the GIL while a computation runs), so the parts run side
by side. Meanwhile the host's BLAS (which XLA:CPU's Cholesky and eigh call) is held to one thread
a part: its own threads, on top of the parts', made the probe's bootstrap slower, not faster.
The parts have equal shapes, so they share one compiled program. On an accelerator, or with one
core, the kernel runs once on all replicas.
"""

import concurrent.futures
import functools
import os
import threading
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import threadpoolctl

# Threads at most: untested beyond 2 cores, and every part also holds its own working set.
MAX_THREADS = 4
# Held by the one caller whose parts run (the BLAS limit it sets and restores is process-wide).
_ONE_CALLER = threading.Lock()


@functools.cache
def _blas() -> threadpoolctl.ThreadpoolController:
    """The host's BLAS libraries, found once (finding them reads files)."""
    return threadpoolctl.ThreadpoolController()


def thread_count() -> int:
    """Parts `over_threads` splits replicas into: the CPU cores this process may use (at most
    `MAX_THREADS`) on the CPU backend, else 1."""
    if jax.default_backend() != "cpu":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


def over_threads(fn: Callable[..., jax.Array], split: Sequence[jax.Array], out_axis: int) -> jax.Array:
    """`fn(*split)`, computed as `fn` on equal parts of the leading (replica) axis of every array in
    `split`, one thread a part, concatenated along `out_axis` of the results.

    `fn` must treat replicas independently (each output entry along `out_axis` depends only on
    the same replica's inputs). The replica count is padded up to a multiple of the parts by
    repeating the last replica; the padding's results are dropped. The parts run under the
    caller's x64 and matmul-precision settings (jax keeps them per thread); other per-thread jax
    settings (a default device, debug flags) are not carried. Concurrent callers take turns: the
    BLAS thread limit is process-wide."""
    parts = thread_count()
    count = split[0].shape[0]
    if parts == 1 or count < 2 * parts:
        return fn(*split)
    size = -(-count // parts)
    # Host arrays: slicing a device array would compile a slice per shape.
    padded = [np.concatenate([a, np.repeat(a[-1:], size * parts - count, axis=0)]) for a in map(np.asarray, split)]
    # jax's x64 and matmul-precision settings are per thread: each part runs under the caller's.
    x64, precision = jax.config.jax_enable_x64, jax.config.jax_default_matmul_precision

    def part(i):
        with jax.enable_x64(x64), jax.default_matmul_precision(precision):
            return jax.block_until_ready(fn(*(a[i * size: (i + 1) * size] for a in padded)))

    with _ONE_CALLER, _blas().limit(limits=1, user_api="blas"), concurrent.futures.ThreadPoolExecutor(parts) as pool:
        futures = [pool.submit(part, i) for i in range(parts)]
        results = [future.result() for future in futures]
    joined = jnp.concatenate(results, axis=out_axis)
    return jax.lax.slice_in_dim(joined, 0, count, axis=out_axis % joined.ndim)
