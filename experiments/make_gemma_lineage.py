"""`python -m experiments.make_gemma_lineage`: runs `alignscope.experiments.make_gemma_lineage` (see its --help)."""

from alignscope.experiments import cli

if __name__ == "__main__":
    cli.run_entrypoint("make_gemma_lineage")
