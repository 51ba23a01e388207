"""Result files, each written atomically (a temporary file in the same folder, then renamed), so a
reader never sees half a file; an experiment writes all its files into a staging folder first
(`staged`), so a run killed or failing before its end leaves the previous results whole.

`metrics.json` / `metrics.csv` hold only results (no timestamps, no absolute paths: identical runs
give identical bytes); `run.json` holds settings, library versions, the device and timings.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import pathlib
import shutil
import tempfile
from typing import Any, Iterable, Iterator, Sequence

from alignscope.errors import AlignscopeError
from alignscope.versions import library_versions


STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def staged(directory: pathlib.Path) -> Iterator[pathlib.Path]:
    """Yields an empty folder inside `directory` for a run to write all its files into.

    When the block ends normally, each file replaces its namesake in `directory` by a rename
    (`run.json` last), so a run that fails or is killed before then leaves the previous results
    whole, never new tables beside old figures. The folder is removed either way; one left by a
    killed process is removed by the next run.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"{STAGING_PREFIX}*"):
        if not _alive(stale.name[len(STAGING_PREFIX):].split("-")[0]):
            shutil.rmtree(stale, ignore_errors=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=directory))
    try:
        yield staging
        written = sorted((path for path in staging.rglob("*") if path.is_file()), key=lambda p: p.name == "run.json")
        for path in written:
            target = directory / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def writable_directory(path: str | os.PathLike) -> pathlib.Path:
    """Returns `path`, created if needed, once a file could be written in it; checked before any
    work starts, so a run never computes results it cannot save.

    Raises:
      AlignscopeError: the directory cannot be created or written to.
    """
    directory = pathlib.Path(path).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise AlignscopeError(f"cannot write results to {directory} ({error.strerror or error}); pass a directory "
                              f"you can write to with --output_dir") from error
    return directory


def _alive(pid: str) -> bool:
    """Whether process `pid` (a string of digits) is running on this host."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def write_bytes(path: pathlib.Path, data: bytes) -> pathlib.Path:
    """Writes `data` to `path` atomically; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def write_text(path: pathlib.Path, text: str) -> pathlib.Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: pathlib.Path, value: Any) -> pathlib.Path:
    return write_text(path, json.dumps(value, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


def clean(value: Any) -> Any:
    """`value` with NaN floats as None and floats rounded to 10 significant digits (JSON-safe,
    stable text)."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value


def write_tables(directory: pathlib.Path, experiment: str, rows: Sequence[dict[str, Any]],
                 notes: Iterable[str] = (), extra: dict[str, Any] | None = None) -> list[pathlib.Path]:
    """metrics.json (`{"experiment", "notes", ..., "rows"}`) and metrics.csv (the rows)."""
    rows = [clean(row) for row in rows]
    document = {"experiment": experiment, "notes": list(notes), **clean(extra or {}), "rows": rows}
    paths = [write_json(directory / "metrics.json", document)]
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    paths.append(write_text(directory / "metrics.csv", buffer.getvalue()))
    return paths


def device_description() -> dict[str, Any]:
    """The platform, kind and count of JAX's devices."""
    import jax

    devices = jax.devices()
    return {"platform": devices[0].platform, "kind": devices[0].device_kind, "count": len(devices),
            "processes": jax.process_count()}


def write_run_info(directory: pathlib.Path, experiment: str, settings: dict[str, Any], timings: dict[str, float],
                   extra: dict[str, Any] | None = None) -> pathlib.Path:
    """run.json: settings, versions, device, stage timings and anything else about this run."""
    return write_json(directory / "run.json", clean({
        "experiment": experiment, "settings": settings, "versions": library_versions(),
        "device": device_description(), "seconds": timings, **(extra or {})}))
