"""`python -m experiments.models`: runs `alignscope.experiments.models` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("models")
