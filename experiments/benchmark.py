"""`python -m experiments.benchmark`: runs `alignscope.experiments.benchmarks` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("benchmark")
