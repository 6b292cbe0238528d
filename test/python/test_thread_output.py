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
COLLECT_EVERY = 3  # a silent collect queued after every third cell

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


def _collect_request(kernel):
    """A collect as the front end sends it: silent, queued behind the cells."""
    content = {
        "code": "",
        "silent": True,
        "store_history": False,
        "user_expressions": {
            kernel_bridge.EXPRESSION_KEY: kernel_bridge.collect_expression(OPTIONS)
        },
        "allow_stdin": False,
        "stop_on_error": False,
    }
    msg = kernel.client.session.msg("execute_request", content)
    kernel.client.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def test_threads_lose_no_line_while_cells_are_captured(kernel):
    """Every line the user's threads print reaches a cell's output, as the
    notebook shows it: stream messages whose parent is a cell's request. Issue
    20, defect 15: ipykernel makes each request it handles the parent of what
    every thread prints, so lines printed while a silent collect was handled
    went to the collect, where no cell shows them (about a fifth of them with a
    collect every third cell); none was lost or cut on the way."""
    first = kernel_bridge.collect_in_kernel(kernel.client, OPTIONS, timeout=60)
    assert first["hooks"] is True
    kernel.iopub()
    cells = {kernel.send(START, "start")}
    collects = set()
    for i in range(CELLS):
        cells.add(kernel.send("x = %d" % i, "cell-%d" % i))
        if i % COLLECT_EVERY == 0:
            collects.add(_collect_request(kernel))
    replies = kernel.replies(cells | collects, timeout=240)
    assert all(reply["status"] == "ok" for reply in replies.values())
    # A collect with the environment re-read (the longest capture) while they print.
    collected = kernel_bridge.collect_in_kernel(
        kernel.client, dict(OPTIONS, include_environment=True), timeout=60
    )
    stop = kernel.send(STOP, "stop")
    cells.add(stop)
    assert kernel.reply(stop, timeout=60)["status"] == "ok"
    counts = kernel.evaluate(c="_counts")["c"]
    text = {"stdout": [], "stderr": []}
    elsewhere = 0
    for message in kernel.iopub(wait=1.0):
        if message["msg_type"] != "stream":
            continue
        if message["parent_header"].get("msg_id") in cells:
            text[message["content"]["name"]].append(message["content"]["text"])
        else:
            elsewhere += message["content"]["text"].count("\n")
    lines = "".join(text["stdout"]).splitlines()
    errors = "".join(text["stderr"]).splitlines()
    expected = ["line-%d-%d" % (t, i) for t in range(THREADS) for i in range(counts[t])]
    expected_err = ["err-%d-%d" % (t, i) for t in range(THREADS) for i in range(0, counts[t], 50)]
    assert [c["execution_count"] for c in collected["cells"]][-1] == CELLS + 1
    assert sum(counts) > 2000, counts  # the threads really printed throughout
    missing = set(expected) - set(lines)
    missing_err = set(expected_err) - set(errors)
    print(
        "\n%d lines printed by %d threads over %d cells and %d collects, %d not in a cell"
        % (len(expected), THREADS, CELLS, len(collects), len(missing))
    )
    assert elsewhere == 0, "%d lines went to requests that are no cell" % elsewhere
    assert not missing, "%d of %d stdout lines lost" % (len(missing), len(expected))
    assert not missing_err, "%d of %d stderr lines lost" % (len(missing_err), len(expected_err))
    assert len([line for line in lines if line.startswith("line-")]) == len(expected)


def test_nbrepros_requests_are_known_by_one_key():
    """The kernel tells nbrepro's silent requests by their user expression's key."""
    import re
    from pathlib import Path

    from nbrepro.capture import streams

    assert streams.REQUEST_KEY == kernel_bridge.EXPRESSION_KEY
    src = Path(__file__).resolve().parents[2] / "src"
    found = set()
    for path in src.rglob("*.ts"):
        found.update(re.findall(r"const EXPRESSION_KEY = '([^']*)'", path.read_text()))
    assert found == {streams.REQUEST_KEY}


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
