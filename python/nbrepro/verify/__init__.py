"""``nbrepro verify``: run a notebook again and compare each cell with its recording.

- ``normalize``: what legitimately varies (addresses, timestamps, durations...).
- ``compare``: one cell's outputs against the recorded ones, numbers within tolerance.
- ``causes``: the likely cause of a difference, from the records (pure).
- ``bundle``: an exported bundle, its manifest checks and safe extraction.
- ``runner``: the re-run through ``headless.run_notebook`` and the report.
- ``job``: one re-run in a process of its own, as the server's verify runs start it
  (``server/jobs.py``), its progress and report as JSON lines.
"""
