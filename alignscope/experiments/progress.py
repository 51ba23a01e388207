"""One progress line per stage of an experiment (stderr), with the stage timings for run.json."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Iterator


class Stages:
    """Times named stages and prints `<experiment>: <stage> ... done in 1.2 s` for each.

    Attributes:
      seconds: `{stage: wall seconds}` in the order run.
    """

    def __init__(self, experiment: str, stream=None):
        self.experiment = experiment
        self.stream = stream if stream is not None else sys.stderr
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Runs the body as stage `name`."""
        print(f"{self.experiment}: {name} ...", file=self.stream, flush=True)
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)
        print(f"{self.experiment}: {name} done in {elapsed:.1f} s", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        """Prints one line of information."""
        print(f"{self.experiment}: {message}", file=self.stream, flush=True)
