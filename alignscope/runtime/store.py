"""The activation store: extraction results on disk, chunk by chunk, resumable, then layer-major.

Layout under `<cache_dir>/<fingerprint>/`:

    spec.json                the store format, the key the fingerprint is made of, library versions
    chunks/<name>.npy        `[rows, layers, d_model]` float32, one file per batch and process
    manifest-p<k>.jsonl      process k's chunks: file, rows (indices into the texts), sha256;
                             each line carries a checksum of itself, so a torn line is ignored
    activations.npy          when complete: `[layers, num_texts, d_model]` float32, input order
    complete.json            written last; its presence means activations.npy is whole
    lock                     held (flock) by the run writing the store, so two runs never interleave

The directory's name is the fingerprint of the key (`fingerprint.combine`); `spec.json` records
the key and the store format. A directory whose spec.json is missing, unreadable, of another
format, or of a key that is not its name is never read: it is rebuilt, with a message saying why.
A complete store whose `activations.npy` is damaged (wrong size or shape) is recomputed likewise.

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
import logging
import os
import pathlib
import shutil
import uuid
from typing import Any

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime import fingerprint

logger = logging.getLogger(__name__)
# Bumped when what a store holds or how it is laid out changes: an older store is rebuilt, never read.
STORE_FORMAT = 2

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
    """One extraction's directory, named by the fingerprint of its key.

    Args:
      directory: the store's own directory (`for_key` derives it from a cache directory and key).
      key: what the extraction's values depend on (JSON-able); None to open an existing store
        for reading without checks.
      process_index: this process's index (each process writes its own manifest).
    """

    def __init__(self, directory: str | os.PathLike, key: dict[str, Any] | None = None, process_index: int = 0):
        self.directory = pathlib.Path(directory).expanduser()
        self.key = key
        self.process_index = process_index
        try:
            (self.directory / "chunks").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AlignscopeError(f"cannot create the activation store {self.directory}: {error.strerror}") from error

    @classmethod
    def for_key(cls, cache_dir: str | os.PathLike, key: dict[str, Any], process_index: int = 0) -> "ActivationStore":
        """Returns the store of `key` under `cache_dir`."""
        return cls(pathlib.Path(cache_dir).expanduser() / fingerprint.combine(key), key, process_index)

    @contextlib.contextmanager
    def exclusive(self):
        """Holds the store's lock: a second run with the same key waits, then finds it complete.

        On entry, temporary files a killed run left behind are removed, and a directory that is
        not a store of this format and key, or a complete store whose activations are damaged,
        is cleared (with a warning) so that it is rebuilt.
        """
        with open(self.directory / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                for leftover in [*self.directory.glob(".*.tmp"), *(self.directory / "chunks").glob(".*.tmp")]:
                    leftover.unlink(missing_ok=True)
                self._check_spec()
                self._check_activations()
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _check_spec(self) -> None:
        """Clears the store unless spec.json records this format and a key whose fingerprint is
        the directory's name; then writes spec.json if it is missing."""
        spec_path = self.directory / SPEC_FILE
        problem = None
        if spec_path.exists():
            try:
                recorded = json.loads(spec_path.read_text())
                if recorded.get("format") != STORE_FORMAT:
                    problem = (f"was written in store format {recorded.get('format')} (alignscope "
                               f"{recorded.get('versions', {}).get('alignscope', '?')}); this version writes format "
                               f"{STORE_FORMAT}")
                elif fingerprint.combine(recorded.get("key")) != self.directory.name:
                    problem = "records a key whose fingerprint is not its name (copied or edited by hand)"
            except (OSError, ValueError, AttributeError) as error:
                problem = f"has an unreadable {SPEC_FILE} ({error})"
        elif any(self.directory.glob("manifest-p*.jsonl")) or (self.directory / COMPLETE_FILE).exists():
            problem = f"has no {SPEC_FILE}"
        if problem:
            logger.warning("activation store %s %s: rebuilding it", self.directory, problem)
            self._clear()
        if not spec_path.exists():
            from alignscope.versions import library_versions

            spec = {"format": STORE_FORMAT, "key": self.key, "versions": library_versions()}
            _write_atomically(spec_path, json.dumps(spec, indent=1, sort_keys=True, default=str).encode())

    def _check_activations(self) -> None:
        """Recomputes a complete store whose activations.npy is missing, truncated or of the wrong
        shape (a damaged disk or a partial copy), after a warning naming the problem."""
        if not (self.directory / COMPLETE_FILE).exists():
            return
        try:
            record = self.completion_record()
            values = self.open()
            expected = int(record["num_texts"])
            if values.ndim != 3 or values.shape[1] != expected or values.dtype != np.float32:
                raise ValueError(f"shape {values.shape} {values.dtype}, expected [layers, {expected}, d_model] float32")
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("activation store %s is damaged (%s): recomputing it", self.directory,
                           str(error).splitlines()[0] if str(error) else type(error).__name__)
            self._clear()

    def _clear(self) -> None:
        """Removes everything in the directory but the lock."""
        for entry in self.directory.iterdir():
            if entry.name == "lock":
                continue
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        (self.directory / "chunks").mkdir()

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
        record = {**record, "num_texts": num_texts}
        _write_atomically(self.directory / COMPLETE_FILE, json.dumps(record, indent=1, default=str).encode())
        for chunk in chunks:
            chunk.path.unlink(missing_ok=True)
        for manifest in self.directory.glob("manifest-p*.jsonl"):
            manifest.unlink()
