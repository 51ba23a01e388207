"""`python -m experiments.measure_demo`: runs `alignscope.experiments.measure_demo` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("measure_demo")
