"""Checkpoint files' fingerprint: what a model loaded from files, unchanged, is keyed by.

A DPO child has the same config, tensor names, shapes and file sizes as its base, so weights
are fingerprinted by content: per tensor, its name, dtype, shape and a fixed sample of its bytes
(all bytes for tensors up to `FULL_HASH_BYTES`, else `SAMPLE_WINDOWS` evenly spaced windows);
training moves every weight, so any changed tensor changes the sampled bytes.
"""

from __future__ import annotations

import hashlib

import numpy as np

from alignscope.checkpoints.paths import weight_files
from alignscope.checkpoints.safetensors import SafetensorsReader

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
    reader = SafetensorsReader(weight_files(directory))
    digest = hashlib.sha256()
    for name in sorted(reader.entries):
        entry = reader.entries[name]
        digest.update(f"{name}|{entry.dtype}|{entry.shape}".encode())
        for chunk in _sampled_bytes(reader.get(name).reshape(-1).view(np.uint8)):
            digest.update(chunk)
    return digest.hexdigest()
