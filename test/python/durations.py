"""Write durations.json from the log of a pytest run with --durations=N.

    python -m pytest -n 2 --dist loadgroup --durations=60 > run.log
    python test/python/durations.py run.log

Each test's setup, call and teardown seconds are summed; tests under two seconds are
left out (conftest.py guesses those from their markers). conftest.py orders the work by
these figures, costliest first.
"""

import json
import re
import sys
from pathlib import Path

LINE = re.compile(r"^(\d+(?:\.\d+)?)s (?:setup|call|teardown)\s+(\S.*)$")
OUT = Path(__file__).with_name("durations.json")


def durations(text):
    seconds = {}
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if match:
            node = match.group(2).strip()
            if node.rfind("@") > node.rfind("]"):  # an xdist group, as --dist loadgroup names it
                node = node[: node.rfind("@")]
            seconds[node] = seconds.get(node, 0.0) + float(match.group(1))
    return {node: round(s, 1) for node, s in sorted(seconds.items()) if s >= 2.0}


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: durations.py LOG")
    found = durations(Path(argv[1]).read_text())
    if not found:
        sys.exit("durations.py: no --durations lines in %s" % argv[1])
    OUT.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    print("durations.py: %d tests written to %s" % (len(found), OUT))


if __name__ == "__main__":
    main(sys.argv)
