"""Flags shared by every entrypoint, and the one way entrypoints report user errors.

Each entrypoint is `absl.app.run(main)`; its own flags live in its module, the shared ones here.
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
from engine.data.demo.shipped import MODELS_DIR

OUTPUT_DIR = flags.DEFINE_string("output_dir", "results", "Directory for tables (JSON/CSV), figures and reports.")
SHARED_DATA = flags.DEFINE_string(
    "shared_data", "../shared/data",
    "Directory holding real corpora in the hub layout (textdetox/multilingual_toxicity_dataset/<lang>.parquet, ...).")
DEMO_MODELS_DIR = flags.DEFINE_string(
    "demo_models_dir", str(MODELS_DIR),
    "Directory of the demo models, <demo_models_dir>/{base,aligned-en,aligned-multi}/ (make_demo writes them).")


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
    """absl's flag parsing, but a bad flag value is one line and exit status 2 (absl uses 1)."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def run(main: Callable[[list[str]], None]) -> None:
    """`absl.app.run(main)` where bad flags and any `AlignscopeError` print one line and exit 2."""

    @functools.wraps(main)
    def guarded(argv: list[str]) -> None:
        try:
            main(argv)
        except AlignscopeError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded, flags_parser=_parse_flags_exit_2)
