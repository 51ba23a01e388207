"""Apply a single-example kernel over the broadcast leading axes of its array arguments.

Kernels are written for one `[n, d]` problem; `over_leading` maps them over `[..., n, d]`
(layers, languages, bootstrap replicas). Broadcasting is done by vmap with `in_axes=None`, so an
argument with fewer leading axes (labels `[n]` shared by every layer) is never copied.
Call it inside jit: it only reads static shapes.
"""

from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np


def over_leading(
    fn: Callable[..., jax.Array],
    args: Sequence[jax.Array],
    core_ndims: Sequence[int],
    sequential: bool = False,
):
    """`fn(*args)` for every index of the broadcast leading shape of `args`.

    Args:
      fn: takes one slice of each argument (its last `core_ndims[i]` axes) and returns a pytree.
      args: arrays whose leading axes (all but the last `core_ndims[i]`) broadcast together.
      core_ndims: how many trailing axes of each argument `fn` consumes.
      sequential: loop over the leading indices (lax.map) instead of vmapping them, for kernels
        whose per-example working set is already as large as memory allows.

    Returns:
      `fn`'s outputs with the broadcast leading shape prepended to each leaf.
    """
    leads = [a.shape[: a.ndim - c] for a, c in zip(args, core_ndims)]
    shape = np.broadcast_shapes(*leads)
    if not shape:
        return fn(*args)
    if sequential:
        flat = [
            jnp.broadcast_to(a, shape + a.shape[len(lead):]).reshape((-1,) + a.shape[len(lead):])
            for a, lead in zip(args, leads)
        ]
        out = jax.lax.map(lambda xs: fn(*xs), flat)
        return jax.tree.map(lambda o: o.reshape(shape + o.shape[1:]), out)
    # Left-pad each leading shape to the full rank, then drop axes an argument only broadcasts on.
    mapped = []
    squeezed = []
    for a, lead in zip(args, leads):
        padded = (1,) * (len(shape) - len(lead)) + lead
        keep = [size == full for size, full in zip(padded, shape)]
        a = a.reshape(padded + a.shape[len(lead):])
        squeezed.append(jnp.squeeze(a, axis=tuple(i for i, k in enumerate(keep) if not k)))
        mapped.append(keep)
    f = fn
    for level in reversed(range(len(shape))):
        f = jax.vmap(f, in_axes=tuple(0 if m[level] else None for m in mapped))
    return f(*squeezed)
