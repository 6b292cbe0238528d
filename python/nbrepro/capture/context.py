"""The state a capture run hands to every probe.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import time


class Context(object):
    """What one capture run knows, and where probes report what went wrong.

    ``options`` comes from the caller (JupyterLab settings, the CLI) and is
    plain JSON. ``cache`` lives as long as the kernel: probes keep there what
    is static per process (GPU facts, parsed conda records).
    """

    def __init__(self, options=None, cache=None, user_ns=None, cell_source=None):
        self.options = dict(options or {})
        self.cache = cache if cache is not None else {}
        self.user_ns = user_ns
        self.cell_source = cell_source
        self.problems = []
        self.started = time.time()

    def option(self, name, default=None):
        return self.options.get(name, default)

    def problem(self, probe, message, path=None):
        """Record something a probe could not read; the capture goes on."""
        entry = {"probe": probe, "message": str(message)[:500]}
        if path is not None:
            entry["path"] = str(path)[:500]
        self.problems.append(entry)
