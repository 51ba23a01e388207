"""`python -m experiments.similarity`: runs `alignscope.experiments.similarity` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("similarity")
