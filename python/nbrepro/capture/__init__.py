"""nbrepro's kernel-side capture engine.

Everything in this package runs inside user kernels where nbrepro is not
installed: standard library only, Python 3.8 grammar, relative imports only.
Nothing here imports the rest of nbrepro (test/python/capture/test_capture_contract.py).
The other way round is allowed: the core uses the pure helpers (``urls`` for
redaction, ``compact``, ``distinfo``, ``inputs.cell_names``) so that kernel and
core mean the same by them.
"""

from .core import capture, environment_id

__all__ = ["capture", "environment_id"]
