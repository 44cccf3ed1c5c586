"""
Run the whole trial suite and end with the plain summary line CI reads
("N passed, N failed"), keeping trial's own exit status.
"""

from __future__ import annotations

import re
import subprocess
import sys


def main(argv: list[str]) -> int:
    names = argv or ["tests"]
    command = [sys.executable, "-m", "twisted.trial", "--temp-directory=_trial_temp", *names]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    summary = ""
    for line in process.stdout:
        sys.stdout.write(line)
        if line.startswith(("PASSED", "FAILED")):
            summary = line
    status = process.wait()
    counts = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", summary)}
    passed = counts.get("successes", 0)
    failed = sum(counts.get(key, 0) for key in ("failures", "errors", "unexpectedSuccesses"))
    skipped = counts.get("skips", 0)
    sys.stdout.write(f"{passed} passed, {failed} failed, {skipped} skipped\n")
    if status == 0 and passed == 0:
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
