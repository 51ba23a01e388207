"""Checkpoint files' fingerprint: what a model loaded from files, unchanged, is keyed by.

A DPO child has the same config, tensor names, shapes and file sizes as its base, so weights
are fingerprinted by content: per tensor, its name, dtype, shape and a fixed sample of its bytes
(all bytes for tensors up to `FULL_HASH_BYTES`, else `SAMPLE_WINDOWS` evenly spaced windows);
training moves every weight, so any changed tensor changes the sampled bytes.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

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


def tensors_fingerprint(tensors: Iterable[tuple[str, str, np.ndarray]]) -> str:
    """Returns a hex digest of (name, description, raw array) triples, in name order: the names,
    descriptions (dtype or quantization type, shape) and sampled bytes."""
    digest = hashlib.sha256()
    for name, description, raw in sorted(tensors, key=lambda item: item[0]):
        digest.update(f"{name}|{description}".encode())
        for chunk in _sampled_bytes(np.ascontiguousarray(raw).reshape(-1).view(np.uint8)):
            digest.update(chunk)
    return digest.hexdigest()


def checkpoint_weights_fingerprint(directory) -> str:
    """Returns a hex digest of a safetensors checkpoint's weights (names, dtypes, shapes, sampled bytes)."""
    reader = SafetensorsReader(weight_files(directory))
    return tensors_fingerprint((name, f"{entry.dtype}|{entry.shape}", reader.get(name))
                               for name, entry in reader.entries.items())
