"""Lists the supported architectures and the published checkpoints each covers (the papers' first).

    python -m experiments.models
"""

from __future__ import annotations

import dataclasses

from alignscope.experiments import flags
from alignscope.models.families import FAMILIES, WRAPPERS


@dataclasses.dataclass(frozen=True)
class ModelsConfig:
    """`python -m experiments.models`: no flags."""


def architecture_table() -> list[str]:
    """Returns one line per supported architecture: its name and the checkpoints it covers."""
    covers = {name: family.covers for name, family in FAMILIES.items()}
    covers.update({name: ("its text tower, as Gemma3ForCausalLM",) for name in WRAPPERS})
    width = max(len(name) for name in covers)
    return [f"{name:<{width}}  {', '.join(checkpoints)}" for name, checkpoints in sorted(covers.items())]


@flags.command(ModelsConfig)
def main(config: ModelsConfig) -> None:
    """Prints `architecture_table`."""
    del config
    print("\n".join(architecture_table()))


if __name__ == "__main__":
    flags.run(main)
