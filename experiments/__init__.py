"""`python -m experiments.NAME` from the repository root, as the README says: each module here only
runs `alignscope.experiments.NAME` (the `alignscope NAME` console script does the same from any
directory). This folder is not installed; everything else lives under `alignscope`."""
