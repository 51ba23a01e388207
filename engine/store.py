"""The activation store: extraction results on disk, chunk by chunk, resumable, then layer-major.

Layout under `<cache_dir>/<fingerprint>/`:

    spec.json                what the fingerprint covers, with library versions
    chunks/<name>.npy        `[rows, layers, d_model]` float32, one file per batch and process
    manifest-p<k>.jsonl      process k's chunks: file, rows (indices into the texts), sha256;
                             each line carries a checksum of itself, so a torn line is ignored
    activations.npy          when complete: `[layers, num_texts, d_model]` float32, input order
    complete.json            written last; its presence means activations.npy is whole
    lock                     held (flock) by the run writing the store, so two runs never interleave

A chunk becomes visible by an atomic rename and counts only once its manifest line is written,
so a run killed at any instant (SIGKILL included) resumes from its last complete chunk; a
corrupt or missing chunk is detected by its checksum and recomputed. Rows, not batches, are
recorded, so a resume with another batch size loses nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import pathlib
import uuid

import numpy as np

from alignscope.errors import AlignscopeError

ACTIVATIONS_FILE = "activations.npy"
COMPLETE_FILE = "complete.json"
SPEC_FILE = "spec.json"


@dataclasses.dataclass(frozen=True)
class Chunk:
    """A chunk named by a manifest: its file, the text indices of its rows (in row order) and the
    sha256 its file had when written."""

    path: pathlib.Path
    rows: np.ndarray
    sha256: str


def _file_sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: pathlib.Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _line_checksum(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


class ActivationStore:
    """One extraction's directory, keyed by its fingerprint."""

    def __init__(self, cache_dir: str | os.PathLike, key: str, spec: dict, process_index: int = 0):
        self.directory = pathlib.Path(cache_dir).expanduser() / key
        self.process_index = process_index
        try:
            (self.directory / "chunks").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AlignscopeError(f"cannot create the activation store under {cache_dir}: {error.strerror}") from error
        spec_path = self.directory / SPEC_FILE
        if process_index == 0 and not spec_path.exists():
            _write_atomically(spec_path, json.dumps(spec, indent=1, sort_keys=True, default=str).encode())

    @contextlib.contextmanager
    def exclusive(self):
        """Holds the store's lock: a second run with the same key waits, then finds it complete.

        On entry, temporary files a killed run left behind are removed.
        """
        with open(self.directory / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                for leftover in [*self.directory.glob(".*.tmp"), *(self.directory / "chunks").glob(".*.tmp")]:
                    leftover.unlink(missing_ok=True)
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _manifest(self) -> pathlib.Path:
        return self.directory / f"manifest-p{self.process_index}.jsonl"

    def is_complete(self) -> bool:
        return (self.directory / COMPLETE_FILE).is_file() and (self.directory / ACTIVATIONS_FILE).is_file()

    def completion_record(self) -> dict:
        """Returns what `complete.json` holds (run statistics and versions)."""
        return json.loads((self.directory / COMPLETE_FILE).read_text())

    def open(self) -> np.ndarray:
        """Returns the completed store as a read-only memory map `[layers, num_texts, d_model]`."""
        return np.load(self.directory / ACTIVATIONS_FILE, mmap_mode="r")

    def _listed_chunks(self) -> list[Chunk]:
        """Returns the chunks of every manifest line whose own checksum holds (torn lines are skipped)."""
        listed = []
        for manifest in sorted(self.directory.glob("manifest-p*.jsonl")):
            for line in manifest.read_text(errors="replace").splitlines():
                try:
                    record = json.loads(line)
                    check = record.pop("check")
                except (json.JSONDecodeError, KeyError, AttributeError):
                    continue
                if check == _line_checksum(record):
                    listed.append(Chunk(self.directory / "chunks" / record["chunk"],
                                        np.asarray(record["rows"], dtype=np.int64), record["sha256"]))
        return listed

    def chunks(self) -> list[Chunk]:
        """Returns every listed chunk whose file exists with its recorded checksum; others are dropped."""
        return [chunk for chunk in self._listed_chunks()
                if chunk.path.is_file() and _file_sha256(chunk.path) == chunk.sha256]

    def write_chunk(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Stores `values` `[len(rows), layers, d_model]` float32 for the texts `rows`."""
        name = f"p{self.process_index}-{uuid.uuid4().hex}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(values, dtype=np.float32))
        data = buffer.getvalue()
        _write_atomically(self.directory / "chunks" / name, data)
        record = {"chunk": name, "rows": [int(row) for row in rows], "sha256": hashlib.sha256(data).hexdigest()}
        record["check"] = _line_checksum(record)
        with open(self._manifest(), "a") as manifest:
            # The leading newline ends any line torn by a kill, so this record stays whole.
            manifest.write("\n" + json.dumps(record) + "\n")
            manifest.flush()
            os.fsync(manifest.fileno())

    def merge(self, num_texts: int, record: dict) -> None:
        """Writes the layer-major `activations.npy` from all chunks, then `complete.json`, then
        removes the chunks. Raises if any text has no row."""
        chunks = self._listed_chunks()
        covered = np.zeros(num_texts, dtype=bool)
        output = None
        temporary = self.directory / f".{ACTIVATIONS_FILE}.{uuid.uuid4().hex}.tmp"
        for chunk in chunks:
            # Read once: checked and loaded from the same bytes. A corrupt chunk found at the
            # start of a resumed run is still listed; its rows were recomputed into a newer chunk.
            data = chunk.path.read_bytes() if chunk.path.is_file() else b""
            if hashlib.sha256(data).hexdigest() != chunk.sha256:
                continue
            values = np.load(io.BytesIO(data))
            if output is None:
                output = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.float32,
                                                   shape=(values.shape[1], num_texts, values.shape[2]))
            output[:, chunk.rows, :] = values.transpose(1, 0, 2)
            covered[chunk.rows] = True
        if output is None or not covered.all():
            missing = int((~covered).sum()) if output is not None else num_texts
            raise RuntimeError(f"activation store {self.directory} lacks {missing} of {num_texts} rows at merge")
        output.flush()
        del output
        os.replace(temporary, self.directory / ACTIVATIONS_FILE)
        _write_atomically(self.directory / COMPLETE_FILE, json.dumps(record, indent=1, default=str).encode())
        for chunk in chunks:
            chunk.path.unlink(missing_ok=True)
        for manifest in self.directory.glob("manifest-p*.jsonl"):
            manifest.unlink()
