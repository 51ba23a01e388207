"""Dtypes by name (what `load_model(dtype=...)` accepts) and casting a parameter tree."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from alignscope.errors import AlignscopeError

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}
# `auto`: the checkpoint's own dtype (config.json's `dtype`), float32 where it is none of DTYPES.
AUTO = "auto"


def resolve_dtype(name: str, what: str = "dtype", checkpoint_dtype: str | None = None) -> jnp.dtype:
    """Returns the jnp dtype named `name` (one of `DTYPES`, or `auto` for `checkpoint_dtype`), or
    raises `AlignscopeError`."""
    if name == AUTO and checkpoint_dtype is not None:
        return jnp.dtype(DTYPES.get(checkpoint_dtype, jnp.float32))
    if name not in DTYPES:
        accepted = [*DTYPES, AUTO] if checkpoint_dtype is not None else list(DTYPES)
        raise AlignscopeError(f"{what} {name!r} is not supported; supported: {', '.join(accepted)}")
    return jnp.dtype(DTYPES[name])


def cast_params(params: nnx.State, dtype: jnp.dtype) -> nnx.State:
    """Returns `params` with every floating-point array in `dtype` (a no-op where it already is)."""
    return jax.tree.map(lambda p: p.astype(dtype) if jnp.issubdtype(p.dtype, jnp.floating) and p.dtype != dtype
                        else p, params)
