# -*- test-case-name: tests.conformance.test_autobahn -*-
"""
The Autobahn|Testsuite cases 1 to 10, run by ``kosoku``, against the test-only
echo endpoint mounted on kuzzle_tx's Site.

kosoku is a fuzzing client (like Autobahn's ``wstest -m fuzzingclient``): it
runs in a child process, so that its case code never competes with the server
for the reactor thread or the GIL, and writes Autobahn-format reports
(``index.json`` and one JSON/HTML file per case) into the trial temp directory.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from typing import Any

from twisted.internet import reactor as _reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.internet.error import ProcessDone
from twisted.internet.protocol import ProcessProtocol
from twisted.python.failure import Failure
from twisted.trial.unittest import SkipTest, TestCase

from kuzzle_tx.config import load_config
from kuzzle_tx.service import KuzzleService
from tests.conformance.echo import ECHO_PATH, EchoServerFactory, echo_site

# The real reactor, typed loosely: it provides IReactorTCP, IReactorProcess and IReactorTime.
reactor: Any = _reactor

# Every section of Autobahn's cases 1 to 10 (there has never been a section 8),
# all of section 9 included: it takes seconds, not minutes, with autobahn's NVX
# UTF-8 validator and masker. Sections 12 and 13 (permessage-deflate) are out of scope.
SECTIONS = ("1", "2", "3", "4", "5", "6", "7", "9", "10")

# As Autobahn defines them: anything but FAILED is conformant for the message
# exchange (kosoku adds ERROR, a case it could not run), and only OK and
# INFORMATIONAL are for the closing handshake.
ACCEPTABLE_BEHAVIOR = frozenset({"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"})
ACCEPTABLE_CLOSE = frozenset({"OK", "INFORMATIONAL"})


def _kosoku_executable() -> str:
    """kosoku's console script, next to this interpreter first, else on PATH."""
    found = shutil.which("kosoku", path=os.path.dirname(sys.executable)) or shutil.which("kosoku")
    if found is None:
        raise SkipTest("kosoku is not installed (pip install -e '.[test]')")
    return found


class _ChildProcess(ProcessProtocol):
    """Collects a child's output; ``ended`` fires with its exit code."""

    def __init__(self) -> None:
        self.ended: Deferred[int | None] = Deferred()
        self.output: list[bytes] = []
        self.running = True

    def outReceived(self, data: bytes) -> None:  # noqa: N802
        self.output.append(data)

    def errReceived(self, data: bytes) -> None:  # noqa: N802
        self.output.append(data)

    def processEnded(self, reason: Failure) -> None:  # noqa: N802
        self.running = False
        code = 0 if reason.check(ProcessDone) else getattr(reason.value, "exitCode", None)
        self.ended.callback(code)

    def kill(self) -> Deferred[int | None]:
        if self.running and self.transport is not None:
            self.transport.signalProcess("KILL")
        return self.ended

    def text(self) -> str:
        return b"".join(self.output).decode("utf-8", "replace")


def _section(case_id: str) -> str:
    return case_id.split(".", 1)[0]


def _failures(outdir: str, cases: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for case_id, entry in cases.items():
        behavior, close = entry["behavior"], entry["behaviorClose"]
        if behavior in ACCEPTABLE_BEHAVIOR and close in ACCEPTABLE_CLOSE:
            continue
        with open(os.path.join(outdir, entry["reportfile"])) as f:
            detail = json.load(f)
        lines.append(
            f"{case_id}: behavior={behavior} ({detail['result']}) "
            f"behaviorClose={close} ({detail['resultClose']})"
        )
    return lines


def _summary(cases: dict[str, dict[str, Any]]) -> str:
    counts: dict[str, Counter[str]] = {}
    for case_id, entry in cases.items():
        counts.setdefault(_section(case_id), Counter())[entry["behavior"]] += 1
    return "\n".join(
        f"  {section}.x: {dict(counts.get(section, Counter()))}" for section in SECTIONS
    )


class AutobahnConformanceTests(TestCase):
    """kosoku against the echo endpoint on a real loopback socket."""

    timeout = 300

    async def test_cases_1_to_10(self) -> None:
        """
        Every Autobahn case of sections 1 to 10, sent through kuzzle_tx's Site
        (its header deadline and body limit in the path) to the echo endpoint,
        which reads frames with kuzzle_tx's `TextFrameProtocol`,
        ends OK, NON-STRICT, INFORMATIONAL or UNIMPLEMENTED, with an OK or
        INFORMATIONAL closing handshake: none fails.
        """
        kosoku = _kosoku_executable()
        config = load_config(
            None,
            env={},
            overrides={
                "server": {"protocols": {"websocket": {"heartbeat": 0}}, "maxRequestSize": "16mb"}
            },
        )
        service = KuzzleService(config, reactor)
        service.startService()
        self.addCleanup(service.stopService)
        factory = EchoServerFactory(reactor)
        self.addCleanup(factory.close_all)
        site = echo_site(service, factory)
        port = await TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(site)
        self.addCleanup(port.stopListening)

        url = f"ws://127.0.0.1:{port.getHost().port}{ECHO_PATH.decode()}"
        outdir = os.path.abspath(self.mktemp())
        args = [kosoku, url, "--outdir", outdir]
        for section in SECTIONS:
            args += ["--include", f"{section}.*"]
        child = _ChildProcess()
        reactor.spawnProcess(child, kosoku, args, env=dict(os.environ), path=os.getcwd())
        self.addCleanup(child.kill)
        code = await child.ended

        index_path = os.path.join(outdir, "index.json")
        if not os.path.exists(index_path):
            self.fail(f"kosoku exited with {code} and wrote no report:\n{child.text()}")
        with open(index_path) as f:
            index = json.load(f)
        cases = {case_id: entry for agent in index.values() for case_id, entry in agent.items()}

        self.assertGreater(factory.read_by_kuzzle_tx, 0, "the cases never met kuzzle_tx's reader")
        missing = sorted({*SECTIONS} - {_section(case_id) for case_id in cases})
        self.assertEqual(missing, [], f"kosoku ran no case of sections {missing}")
        failures = _failures(outdir, cases)
        if failures:
            self.fail(
                f"{len(failures)} of {len(cases)} cases failed (reports in {outdir}):\n"
                + "\n".join(failures)
                + f"\nbehaviors per section:\n{_summary(cases)}"
            )
