"""The fingerprint of weights in memory (made, trained or edited there): every bit of every
parameter, hashed on the device where it lives, since an edit may touch a single row."""

from __future__ import annotations

import hashlib

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

# Odd multipliers of the murmur3 finaliser; one hash lane per seed.
_MIX_1, _MIX_2, _GOLDEN = 0x85EBCA6B, 0xC2B2AE35, 0x9E3779B1
_LANE_SEEDS = (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344)


def _mix(index: jax.Array, seed: int) -> jax.Array:
    """A pseudo-random odd uint32 per index (murmur3's finaliser of index * golden + seed)."""
    h = index * jnp.uint32(_GOLDEN) + jnp.uint32(seed)
    h = (h ^ (h >> 16)) * jnp.uint32(_MIX_1)
    h = (h ^ (h >> 13)) * jnp.uint32(_MIX_2)
    return (h ^ (h >> 16)) | jnp.uint32(1)


def _array_digest(value: jax.Array) -> jax.Array:
    """`[lanes]` uint32: per lane, the wrapping sum of each element's bits times an odd
    pseudo-random multiplier of its index. Integer sums are exact in any order, so the digest is
    the same on any device layout; changing any one element changes every lane (an odd
    multiplier is invertible mod 2^32), and several changes cancel in a lane with chance 2^-32."""
    if value.dtype.itemsize == 1:
        words = jax.lax.bitcast_convert_type(value, jnp.uint8).astype(jnp.uint32)
    elif value.dtype.itemsize == 2:
        words = jax.lax.bitcast_convert_type(value, jnp.uint16).astype(jnp.uint32)
    else:  # 4 bytes, or 8 bytes as pairs of words
        words = jax.lax.bitcast_convert_type(value, jnp.uint32)
    words = words.reshape(-1)
    index = jnp.arange(words.size, dtype=jnp.uint32)
    return jnp.stack([jnp.sum(words * _mix(index, seed), dtype=jnp.uint32) for seed in _LANE_SEEDS])


def params_fingerprint(params: nnx.State) -> str:
    """Returns a hex digest of every parameter's path, dtype, shape and every bit of its value,
    computed where the arrays live (one pass over the weights on their devices)."""
    flat = sorted(nnx.to_flat_state(params), key=lambda item: tuple(map(str, item[0])))
    values = [variable.get_value() for _, variable in flat]
    lanes = np.asarray(_digests(values))  # one compilation per parameter structure
    digest = hashlib.sha256()
    for (path, _), value, lane in zip(flat, values, lanes):
        digest.update(f"{'.'.join(map(str, path))}|{value.dtype}|{tuple(value.shape)}".encode())
        digest.update(lane.tobytes())
    return digest.hexdigest()


@jax.jit
def _digests(values: list[jax.Array]) -> jax.Array:
    """`[len(values), lanes]` uint32 `_array_digest` of each array."""
    return jnp.stack([_array_digest(value) for value in values])
