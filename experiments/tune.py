"""`python -m experiments.tune`: runs `alignscope.experiments.tune` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("tune")
