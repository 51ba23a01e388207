"""Content fingerprints: what an activation store is keyed by.

A DPO child has the same config, tensor names, shapes and file sizes as its base, so weights
are fingerprinted by content. A checkpoint's files: per tensor, its name, dtype, shape and a
fixed sample of its bytes (all bytes for tensors up to `FULL_HASH_BYTES`, else `SAMPLE_WINDOWS`
evenly spaced windows); training moves every weight, so any changed tensor changes the sampled
bytes. Weights in memory (made, trained or edited there): every bit of every parameter, hashed
on the device where it lives (`params_fingerprint`), since an edit may touch a single row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from engine import checkpoint

FULL_HASH_BYTES = 1 << 20
SAMPLE_WINDOWS = 64
WINDOW_BYTES = 4096


def _sampled_bytes(raw: np.ndarray) -> list[bytes]:
    """The bytes of a flat uint8 array to hash: all of them, or evenly spaced windows."""
    if raw.size <= FULL_HASH_BYTES:
        return [raw.tobytes()]
    starts = np.linspace(0, raw.size - WINDOW_BYTES, SAMPLE_WINDOWS).astype(np.int64)
    return [raw[start:start + WINDOW_BYTES].tobytes() for start in starts]


def checkpoint_weights_fingerprint(directory) -> str:
    """Returns a hex digest of a safetensors checkpoint's weights (names, dtypes, shapes, sampled bytes)."""
    reader = checkpoint.SafetensorsReader(checkpoint.weight_files(directory))
    digest = hashlib.sha256()
    for name in sorted(reader.entries):
        entry = reader.entries[name]
        digest.update(f"{name}|{entry.dtype}|{entry.shape}".encode())
        for chunk in _sampled_bytes(reader.get(name).reshape(-1).view(np.uint8)):
            digest.update(chunk)
    return digest.hexdigest()


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


def tokenizer_fingerprint(tokenizer) -> str:
    """Returns a hex digest of a fast tokenizer's full definition and its chat template.

    The backend's transient `padding` and `truncation` settings (changed by any call that pads
    or truncates) are left out: they do not change what the extraction feeds the model.
    """
    definition = json.loads(tokenizer.backend_tokenizer.to_str())
    definition.pop("padding", None)
    definition.pop("truncation", None)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode())
    digest.update(str(getattr(tokenizer, "chat_template", None)).encode())
    digest.update(json.dumps(sorted(map(str, tokenizer.all_special_tokens))).encode())
    return digest.hexdigest()


def texts_fingerprint(texts: Sequence[str]) -> str:
    """Returns a hex digest of the texts in order (lengths framed, so boundaries count)."""
    digest = hashlib.sha256()
    for text in texts:
        encoded = text.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


def combine(parts: dict[str, Any]) -> str:
    """Returns one hex digest of a JSON-able dict of parts (sorted keys)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
