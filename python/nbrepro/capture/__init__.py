"""nbrepro's kernel-side capture engine.

Everything in this package runs inside user kernels where nbrepro is not
installed: standard library only, Python 3.8 grammar, relative imports only.
"""

from .core import capture, environment_id

__all__ = ["capture", "environment_id"]
