"""The capture never swallows what the user's threads print (`capture/session.py`, `entry.py`).

A real ipykernel runs cells back to back while threads started by the user
print numbered lines; each cell's post-run capture and each collect runs
meanwhile. Every line must reach the front end: the capture may not swap the
process-wide `sys.stdout`/`sys.stderr`, even for a moment.
"""

from nbrepro.run import kernel as kernel_bridge

OPTIONS = {"gpu": False}
THREADS = 8
CELLS = 150

START = """
import sys, threading, time, warnings
_stop = threading.Event()
_counts = [0] * %d
def _printer(t):
    i = 0
    while not _stop.is_set():
        # One write per line: print() writes the newline separately.
        sys.stdout.write("line-%%d-%%d\\n" %% (t, i))
        if i %% 50 == 0:
            sys.stderr.write("err-%%d-%%d\\n" %% (t, i))
        i += 1
        _counts[t] = i
        time.sleep(0.0005)
_threads = [threading.Thread(target=_printer, args=(t,)) for t in range(%d)]
for _t in _threads:
    _t.start()
""" % (THREADS, THREADS)

STOP = """
_stop.set()
for _t in _threads:
    _t.join()
sys.stdout.flush(); sys.stderr.flush()
"""


def test_threads_lose_no_line_while_cells_are_captured(kernel):
    first = kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
    assert first["hooks"] is True
    kernel.iopub()
    kernel.execute(START)
    ids = [kernel.send("x = %d" % i, "cell-%d" % i) for i in range(CELLS)]
    replies = kernel.replies(ids, timeout=120)
    assert all(reply["status"] == "ok" for reply in replies.values())
    # A collect with the environment re-read (the longest capture) while they print.
    collected = kernel_bridge.collect_in_kernel(
        kernel.client, dict(OPTIONS, include_environment=True), timeout=60
    )
    kernel.execute(STOP)
    counts = kernel.evaluate(c="_counts")["c"]
    text = {"stdout": [], "stderr": []}
    for message in kernel.iopub(wait=1.0):
        if message["msg_type"] == "stream":
            text[message["content"]["name"]].append(message["content"]["text"])
    lines = "".join(text["stdout"]).splitlines()
    errors = "".join(text["stderr"]).splitlines()
    expected = ["line-%d-%d" % (t, i) for t in range(THREADS) for i in range(counts[t])]
    expected_err = ["err-%d-%d" % (t, i) for t in range(THREADS) for i in range(0, counts[t], 50)]
    assert [c["execution_count"] for c in collected["cells"]][-1] == CELLS + 1
    assert sum(counts) > 2000, counts  # the threads really printed throughout
    missing = set(expected) - set(lines)
    missing_err = set(expected_err) - set(errors)
    print(
        "\n%d lines printed by %d threads over %d cells, %d lost"
        % (len(expected), THREADS, CELLS, len(missing))
    )
    assert not missing, "%d of %d stdout lines lost" % (len(missing), len(expected))
    assert not missing_err, "%d of %d stderr lines lost" % (len(missing_err), len(expected_err))
    assert len([line for line in lines if line.startswith("line-")]) == len(expected)


def test_quiet_warnings_silences_the_capturing_thread_only():
    import threading
    import warnings

    from nbrepro.capture import entry

    seen = []

    def show(message, *args, **kwargs):
        seen.append(str(message))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        with entry.quiet_warnings():
            assert warnings.showwarning is not show
            warnings.warn("from the capture", stacklevel=1)
            user = threading.Thread(target=warnings.warn, args=("from a user thread",))
            user.start()
            user.join()
        assert warnings.showwarning is show
        warnings.warn("after the capture", stacklevel=1)
    assert seen == ["from a user thread", "after the capture"]
