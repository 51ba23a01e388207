"""Flags shared by every entrypoint, and the one way entrypoints report user errors.

Each entrypoint is `experiments.flags.run(main)` (absl's `app.run`); its own flags live in its
module, the shared ones here. A user error (a bad flag value, an unknown flag, an
`AlignscopeError`) prints one line and exits with status 2, never a traceback.
"""

from __future__ import annotations

import functools
import os
import pathlib
import sys
import tempfile
from typing import Callable

from absl import app, flags

from alignscope.errors import AlignscopeError
from alignscope.data.demo.shipped import MODELS_DIR

OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", "results",
    "Directory for tables (JSON/CSV), figures and reports; when not given, results/<experiment>/.")
SHARED_DATA = flags.DEFINE_string(
    "shared_data", "../shared/data",
    "Directory holding real corpora in the hub layout (textdetox/multilingual_toxicity_dataset/<lang>.parquet, ...).")
DEMO_MODELS_DIR = flags.DEFINE_string(
    "demo_models_dir", str(MODELS_DIR),
    "Directory of the demo models, <demo_models_dir>/{base,aligned-en,aligned-multi}/ (make_demo writes them).")
CACHE_DIR = flags.DEFINE_string(
    "cache_dir", None,
    "Activation store directory (resumable; a rerun reads stored activations and runs no model); default "
    "$XDG_CACHE_HOME/alignscope or ~/.cache/alignscope; 'none' keeps activations in memory only.", allow_override=True)
MESH = flags.DEFINE_string(
    "mesh", None, "Device mesh for the models, e.g. 'data:4,model:2' (tensor parallel over 'model'); default one device.", allow_override=True)
DISTRIBUTED = flags.DEFINE_boolean(
    "distributed", False,
    "Start JAX's multi-process runtime first (SLURM, Open MPI and TPU pods are detected; elsewhere set "
    "ALIGNSCOPE_COORDINATOR, ALIGNSCOPE_NUM_PROCESSES, ALIGNSCOPE_PROCESS_ID). Run the same command on every host.", allow_override=True)
DRY_RUN = flags.DEFINE_boolean(
    "dry_run", False, "Print what would run (models, languages, rows, layers) with memory, store and time estimates; "
    "run nothing.", allow_override=True)

def output_dir(experiment: str) -> pathlib.Path:
    """`--output_dir` when given, else results/<experiment>/."""
    if flags.FLAGS["output_dir"].present:
        return pathlib.Path(OUTPUT_DIR.value).expanduser()
    return pathlib.Path(OUTPUT_DIR.value) / experiment


def cache_dir() -> pathlib.Path | None:
    """The activation store directory of `--cache_dir` (None for 'none')."""
    value = CACHE_DIR.value
    if value is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return pathlib.Path(base) / "alignscope"
    if value.lower() == "none":
        return None
    return pathlib.Path(value).expanduser()


def one_line(message: object) -> str:
    """`message` as one line: newlines and runs of spaces collapsed."""
    return " ".join(str(message).split())


def _fail(message: object) -> None:
    print(f"error: {one_line(message)}", file=sys.stderr)
    sys.exit(2)


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


def _parse_flags_exit_2(argv: list[str]) -> list[str]:
    """absl's flag parsing, but a bad or unknown flag is one line and exit status 2 (absl uses 1)."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        _fail(error)


def run(main: Callable[[list[str]], None]) -> None:
    """`absl.app.run(main)` where bad flags and any `AlignscopeError` print one line and exit 2."""

    @functools.wraps(main)
    def guarded(argv: list[str]) -> None:
        try:
            main(argv)
        except AlignscopeError as error:
            _fail(error)

    app.run(guarded, flags_parser=_parse_flags_exit_2)
