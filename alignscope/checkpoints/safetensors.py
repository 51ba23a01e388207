"""safetensors files: tensors read (memory-mapped) and written.

Tensors are memory-mapped straight from the `.safetensors` files (the format is an 8-byte
header length, a JSON header, then raw little-endian bytes), so a slice of a tensor reads only
the pages it touches, and bfloat16 and float8 weights come back as `ml_dtypes` arrays
(the `safetensors` package's numpy backend cannot return bfloat16). No torch at run time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import struct
from typing import Callable

import ml_dtypes
import numpy as np

from alignscope.checkpoints.paths import SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE
from alignscope.errors import AlignscopeError

SAFETENSORS_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16,
    "F8_E4M3": ml_dtypes.float8_e4m3fn, "F8_E5M2": ml_dtypes.float8_e5m2,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}


@dataclasses.dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lives: its file, dtype, shape and byte range in the file."""

    file: pathlib.Path
    dtype: np.dtype
    shape: tuple[int, ...]
    start: int
    end: int


def read_header(file: pathlib.Path) -> dict[str, TensorEntry]:
    """Returns the tensors of one safetensors file, by name.

    Raises:
      AlignscopeError: a file that is not whole safetensors (truncated, or another format): its
        header unreadable, or a tensor's bytes not where and as long as the header says.
    """
    size = file.stat().st_size
    with open(file, "rb") as handle:
        prefix = handle.read(8)
        header_size = struct.unpack("<Q", prefix)[0] if len(prefix) == 8 else None
        if header_size is None or header_size > size - 8:
            raise _damaged(file, f"its {size} bytes are too few for the header it announces")
        try:
            header = json.loads(handle.read(header_size))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _damaged(file, f"its header is not JSON ({type(error).__name__})") from error
    if not isinstance(header, dict):
        raise _damaged(file, "its header is not a JSON object")
    data_start = 8 + header_size
    entries = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            code, shape, (begin, end) = info["dtype"], tuple(int(n) for n in info["shape"]), info["data_offsets"]
        except (TypeError, KeyError, ValueError) as error:
            raise _damaged(file, f"tensor {name} has no valid dtype, shape and data_offsets") from error
        if code not in SAFETENSORS_DTYPES:
            raise AlignscopeError(f"{file.name}: tensor {name} has dtype {code}; "
                                  f"supported: {', '.join(SAFETENSORS_DTYPES)}")
        dtype = np.dtype(SAFETENSORS_DTYPES[code])
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin and end - begin == expected
                and data_start + end <= size):
            raise _damaged(file, f"tensor {name} ({code} {list(shape)}) does not lie whole inside its {size} bytes")
        entries[name] = TensorEntry(file, dtype, shape, data_start + begin, data_start + end)
    return entries


def _damaged(file: pathlib.Path, why: str) -> AlignscopeError:
    return AlignscopeError(f"{file} is not a whole safetensors file ({why}); it is truncated or corrupt: "
                           f"download or save the checkpoint again")


class SafetensorsReader:
    """Memory-mapped read access to every tensor of a checkpoint, by Hugging Face name."""

    def __init__(self, files: list[pathlib.Path]):
        self.entries: dict[str, TensorEntry] = {}
        for file in files:
            self.entries.update(read_header(file))
        self._maps: dict[pathlib.Path, np.memmap] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def get(self, name: str) -> np.ndarray:
        """Returns the tensor as a read-only memory-mapped array (no bytes read until sliced)."""
        entry = self.entries[name]
        if entry.file not in self._maps:
            self._maps[entry.file] = np.memmap(entry.file, dtype=np.uint8, mode="r")
        raw = self._maps[entry.file][entry.start:entry.end]
        return raw.view(entry.dtype).reshape(entry.shape)


SAFETENSORS_CODES = {np.dtype(dtype): code for code, dtype in SAFETENSORS_DTYPES.items()}


@dataclasses.dataclass(frozen=True)
class TensorToWrite:
    """One tensor of a safetensors file being written: its name, dtype, shape, and a function
    returning its value (called once, when its bytes are written, so a model never needs to be
    in host memory whole)."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    value: Callable[[], np.ndarray]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


def write_safetensors(file: pathlib.Path, tensors: list[TensorToWrite]) -> None:
    """Writes `tensors` to one safetensors file (header, then raw little-endian bytes), atomically.

    The header's metadata is `{"format": "pt"}`, which transformers requires to load the file.
    """
    header: dict = {"__metadata__": {"format": "pt"}}
    offset = 0
    for tensor in tensors:
        header[tensor.name] = {"dtype": SAFETENSORS_CODES[np.dtype(tensor.dtype)], "shape": list(tensor.shape),
                               "data_offsets": [offset, offset + tensor.nbytes]}
        offset += tensor.nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    temporary = file.with_name(f".{file.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)))
        handle.write(encoded)
        for tensor in tensors:
            value = np.ascontiguousarray(tensor.value(), dtype=tensor.dtype)
            if value.shape != tuple(tensor.shape):
                raise ValueError(f"tensor {tensor.name} has shape {value.shape}, declared {tensor.shape}")
            handle.write(value.astype(value.dtype.newbyteorder("<"), copy=False).tobytes())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, file)


def write_checkpoint_weights(directory: pathlib.Path, tensors: list[TensorToWrite], max_shard_bytes: int) -> list[str]:
    """Writes `model.safetensors`, or, above `max_shard_bytes`, `model-0000k-of-0000n.safetensors`
    shards with `model.safetensors.index.json`, as transformers' `save_pretrained` lays them out.
    Returns the file names written."""
    shards: list[list[TensorToWrite]] = [[]]
    for tensor in tensors:
        if shards[-1] and sum(t.nbytes for t in shards[-1]) + tensor.nbytes > max_shard_bytes:
            shards.append([])
        shards[-1].append(tensor)
    for stale in [*directory.glob("model-*-of-*.safetensors"), directory / SINGLE_WEIGHTS_FILE,
                  directory / WEIGHTS_INDEX_FILE]:
        stale.unlink(missing_ok=True)
    if len(shards) == 1:
        write_safetensors(directory / SINGLE_WEIGHTS_FILE, shards[0])
        return [SINGLE_WEIGHTS_FILE]
    names = [f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors" for k in range(len(shards))]
    for name, shard in zip(names, shards):
        write_safetensors(directory / name, shard)
    index = {"metadata": {"total_size": sum(t.nbytes for t in tensors)},
             "weight_map": {t.name: name for name, shard in zip(names, shards) for t in shard}}
    (directory / WEIGHTS_INDEX_FILE).write_text(json.dumps(index, indent=2, sort_keys=True))
    return names + [WEIGHTS_INDEX_FILE]
