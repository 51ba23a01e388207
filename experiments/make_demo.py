"""`python -m experiments.make_demo`: runs `alignscope.experiments.make_demo` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("make_demo")
