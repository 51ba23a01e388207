"""`python -m experiments.detox`: runs `alignscope.experiments.detox` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("detox")
