"""`nbrepro export`: a notebook and what it ran on, as a bundle that runs again.

Pure functions over plain data: `gate` (is the notebook fit to export),
`script` (notebook to script), `sbom` and `recipes` (bill of materials,
run.sh, Dockerfile); `bundle` puts the files together.
"""
