"""A GGUF file's header read in one pass: its key-value metadata and where each tensor's bytes are.

The `gguf` package's reader makes a numpy view per array element, which takes ~45 s for a
262k-token vocabulary (Gemma 3); here an array of numbers is one `frombuffer` and an array of
strings one pass over their length prefixes, so a header reads in well under a second. Large
arrays the engine never reads (the vocabulary, which transformers reads itself) are skipped.

Layout (little-endian, versions 2 and 3): magic `GGUF`, version u32, tensor count u64, key count
u64; each key a string (u64 length + UTF-8) with a u32 value type and its value (an array: item
type u32, count u64, items); each tensor its name, u32 dimension count, u64 sizes (fastest axis
first), u32 type and u64 offset into the data section, which starts at the next multiple of
`general.alignment` (default 32).
"""

from __future__ import annotations

import dataclasses
import hashlib
import mmap
import pathlib
import struct
from typing import Any

import numpy as np

from alignscope.errors import AlignscopeError

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
# GGUF value types (gguf.GGUFValueType): numeric ones by their numpy dtype; 7 bool, 8 string, 9 array.
NUMERIC = {0: np.uint8, 1: np.int8, 2: np.uint16, 3: np.int16, 4: np.uint32, 5: np.int32, 6: np.float32,
           10: np.uint64, 11: np.int64, 12: np.float64}
BOOL, STRING, ARRAY = 7, 8, 9
# Arrays as large as the vocabulary that only transformers' tokenizer builder reads.
VOCABULARY = ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.merges", "tokenizer.ggml.token_type")


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """Where one tensor's bytes are.

    Attributes:
      name: its GGUF name (`blk.0.attn_q.weight`).
      shape: its shape in numpy order (GGUF lists the fastest-varying axis first).
      type_id: its `gguf.GGMLQuantizationType` value.
      offset: the first byte in the file.
    """

    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int


@dataclasses.dataclass(frozen=True)
class Header:
    """A GGUF file's header.

    Attributes:
      version: the format version (2 or 3).
      metadata: every key's value as Python values (arrays as lists), less `VOCABULARY`.
      tensors: `{name: TensorInfo}` in file order.
      metadata_sha256: hex digest of the bytes before the tensor list (every key and value,
        vocabulary and chat template included): what the file's tokenizer is built from.
    """

    version: int
    metadata: dict[str, Any]
    tensors: dict[str, TensorInfo]
    metadata_sha256: str


class _Cursor:
    """Reads little-endian values from a buffer, raising `ValueError` past its end."""

    def __init__(self, buffer):
        self.buffer, self.position = buffer, 0

    def take(self, size: int) -> memoryview:
        if size < 0 or self.position + size > len(self.buffer):
            raise ValueError(f"the file ends at byte {len(self.buffer)}, inside a value at byte {self.position}")
        view = memoryview(self.buffer)[self.position:self.position + size]
        self.position += size
        return view

    def unpack(self, fmt: str) -> int | float:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return bytes(self.take(self.unpack("Q"))).decode("utf-8", errors="replace")

    def value(self, value_type: int, keep: bool = True) -> Any:
        """One value of `value_type`; None for an array not kept (its bytes are skipped)."""
        if value_type in NUMERIC:
            return np.frombuffer(self.take(np.dtype(NUMERIC[value_type]).itemsize), NUMERIC[value_type])[0].item()
        if value_type == BOOL:
            return bool(self.unpack("B"))
        if value_type == STRING:
            return self.string()
        if value_type == ARRAY:
            item_type, count = self.unpack("I"), self.unpack("Q")
            if item_type in NUMERIC:
                items = np.frombuffer(self.take(count * np.dtype(NUMERIC[item_type]).itemsize), NUMERIC[item_type])
                return items.tolist() if keep else None
            if item_type == STRING and not keep:
                for _ in range(count):
                    self.take(self.unpack("Q"))
                return None
            return [self.value(item_type, keep) for _ in range(count)]
        raise ValueError(f"unknown value type {value_type} at byte {self.position}")


def read_header(path: pathlib.Path, buffer=None) -> Header:
    """Returns the header of GGUF file `path` (read from `buffer`, a memory map of it, when given).

    Raises:
      AlignscopeError: not a GGUF file, a big-endian or unknown version, or a header that ends
        early or points outside the file.
    """
    if buffer is None:
        with open(path, "rb") as handle:
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _parse(buffer)
    except (ValueError, struct.error, UnicodeDecodeError, OverflowError) as error:
        raise AlignscopeError(f"{path} is not a readable GGUF file ({error})") from None


def _parse(buffer) -> Header:
    cursor = _Cursor(buffer)
    if bytes(cursor.take(4)) != MAGIC:
        raise ValueError("it does not start with the GGUF magic bytes")
    version = cursor.unpack("I")
    if version not in (2, 3):
        byte_swapped = struct.unpack(">I", struct.pack("<I", version))[0]
        raise ValueError("big-endian GGUF files are not read" if byte_swapped in (2, 3)
                         else f"GGUF version {version} is not read (2 and 3 are)")
    tensor_count, key_count = cursor.unpack("Q"), cursor.unpack("Q")
    metadata: dict[str, Any] = {}
    for _ in range(key_count):
        key = cursor.string()
        value = cursor.value(cursor.unpack("I"), keep=key not in VOCABULARY)
        if key not in VOCABULARY:
            metadata[key] = value
    metadata_sha256 = hashlib.sha256(memoryview(buffer)[:cursor.position]).hexdigest()
    entries = []
    for _ in range(tensor_count):
        name = cursor.string()
        dims = [cursor.unpack("Q") for _ in range(cursor.unpack("I"))]
        entries.append((name, tuple(reversed(dims)), cursor.unpack("I"), cursor.unpack("Q")))
    alignment = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT))
    if alignment <= 0:
        raise ValueError(f"general.alignment is {alignment}")
    start = -(-cursor.position // alignment) * alignment
    tensors = {}
    for name, shape, type_id, offset in entries:
        if start + offset > len(buffer):
            raise ValueError(f"tensor {name} starts at byte {start + offset}, past the end ({len(buffer)})")
        tensors[name] = TensorInfo(name, shape, type_id, start + offset)
    return Header(version, metadata, tensors, metadata_sha256)
