"""Content fingerprints: what an activation store is keyed by.

A DPO child has the same config, tensor names, shapes and file sizes as its base, so weights
are fingerprinted by content: per tensor, its name, dtype, shape and a fixed sample of its
bytes (all bytes for tensors up to `FULL_HASH_BYTES`, else `SAMPLE_WINDOWS` evenly spaced
windows). Training moves every weight, so any changed tensor changes the sampled bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

import numpy as np

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
