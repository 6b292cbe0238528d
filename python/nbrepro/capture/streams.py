"""What the user's threads print stays in the user's cells during nbrepro's requests.

ipykernel gives each request it handles the streams' parent: ``set_parent``
(``ZMQInteractiveShell.set_parent``) makes the request the parent of
``sys.stdout`` and ``sys.stderr`` for every thread, and a thread the user
started prints under that global parent. So while nbrepro's silent collect
request was handled, the user's threads printed into it, where no cell shows
it; and a line ``print`` wrote in two parts (its text, then the newline)
could be cut between the cell and the collect. Measured with 8 threads
printing through 150 cells and a collect every third cell: about a fifth of
the lines went to the collects, and a few hundred were cut.

``install`` wraps the shell's ``set_parent`` so that a request of nbrepro's
(a silent ``execute_request`` whose user expression is nbrepro's) is the
parent of this thread's context only (``set_thread_parent``, which the
request's own output, none, would use); the global parent, which the user's
threads print under, stays the user's last request. Every other request goes
to ipykernel's own ``set_parent``. Without these ipykernel methods nothing is
wrapped.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import sys

# The user expression of nbrepro's requests (run/kernel.py's EXPRESSION_KEY and
# src/kernelbridge.ts's EXPRESSION_KEY; test_thread_output holds them equal).
REQUEST_KEY = "nbrepro"
MARK = "_nbrepro_keeps_parent"


def is_ours(parent):
    """Whether the request ``parent`` is one of nbrepro's silent requests."""
    try:
        content = parent.get("content") or {}
        header = parent.get("header") or {}
        return (
            header.get("msg_type") == "execute_request"
            and content.get("silent") is True
            and REQUEST_KEY in (content.get("user_expressions") or {})
        )
    except Exception:
        return False


def install(shell):
    """Wrap ``shell.set_parent`` (once); returns whether it is wrapped."""
    original = getattr(shell, "set_parent", None)
    if original is None or not callable(original):
        return False
    if getattr(original, MARK, False):
        return True
    if not all(hasattr(stream, "set_thread_parent") for stream in (sys.stdout, sys.stderr)):
        return False  # an ipykernel without per-thread parents: nothing to keep apart

    def set_parent(parent, *args, **kwargs):
        if not is_ours(parent):
            return original(parent, *args, **kwargs)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.set_thread_parent(parent)
            except Exception:
                return original(parent, *args, **kwargs)
        return None

    setattr(set_parent, MARK, True)
    set_parent.original = original
    shell.set_parent = set_parent  # an instance attribute: the method stays as it is
    return True


def uninstall(shell):
    """Remove the wrapper, if this module put one there."""
    wrapped = getattr(shell, "__dict__", {}).get("set_parent")
    if getattr(wrapped, MARK, False):
        del shell.set_parent
