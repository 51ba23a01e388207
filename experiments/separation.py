"""`python -m experiments.separation`: runs `alignscope.experiments.separation` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("separation")
