"""`python -m experiments.refusal`: runs `alignscope.experiments.refusal` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("refusal")
