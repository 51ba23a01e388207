"""`python -m experiments.redteam`: runs `alignscope.experiments.redteam` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("redteam")
