"""The `alignscope` console script: `alignscope NAME [--flag=value ...]` runs the experiment
`alignscope.experiments.NAME` (the benchmarks: `alignscope.experiments.benchmarks`) from any
directory (`alignscope separation --lang=zh`), exactly as `python -m experiments.NAME` does from
the repository root."""

from __future__ import annotations

import importlib
import sys

from alignscope.experiments import flags

ENTRYPOINTS = {
    "separation": "harmful vs harmless separation per language and layer, base vs aligned (the main job)",
    "detox": "ParaDetox toxic -> neutral pairs: paired shift and pair arrows",
    "similarity": "CKA between base and aligned layers; cross-lingual cosines of the class direction",
    "redteam": "Aya red-teaming: global vs local harm, red-team vs harmless prompts",
    "refusal": "refusal directions per language: ablation, addition, transfer, behaviour",
    "tune": "SFT / DPO / pretraining of a model with optax",
    "models": "the supported architectures and the checkpoints each covers",
    "make_demo": "rebuild the shipped demo models",
    "make_gemma_lineage": "rebuild the LoRA siblings of Gemma 3 270M (the real lineage)",
    "measure_demo": "measure the demo models' behaviour and separation",
    "benchmark": "benchmarks against the peers (transformers, scikit-learn, numpy)",
}
# Where an experiment's module is not alignscope.experiments.NAME.
MODULES = {"benchmark": "alignscope.experiments.benchmarks"}


def usage() -> str:
    """Returns the command's help: one line per experiment."""
    width = max(map(len, ENTRYPOINTS))
    return "usage: alignscope NAME [--flag=value ...]  (alignscope NAME --help lists NAME's flags)\n\n" + "\n".join(
        f"  {name:<{width}}  {summary}" for name, summary in ENTRYPOINTS.items())


def run_entrypoint(name: str) -> None:
    """Runs experiment `name` with the flags in `sys.argv[1:]` (bad flags and user errors exit 2)."""
    module = importlib.import_module(MODULES.get(name, f"alignscope.experiments.{name}"))
    flags.run(module.main)


def main() -> None:
    """`alignscope NAME [flags]`: runs experiment NAME; no name or an unknown one prints the list."""
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help", "help"):
        print(usage())
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    name = sys.argv[1]
    if name not in ENTRYPOINTS:
        print(f"error: unknown experiment {name!r}; accepted: {', '.join(ENTRYPOINTS)}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [f"alignscope {name}", *sys.argv[2:]]
    run_entrypoint(name)
