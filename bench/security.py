"""
Security benchmark (issue 5): what the rights check costs, and how fast users log in.

    ./bench/security [--duration 5] [--rounds 3]

1. `server:now` over WebSocket (16 connections x 32 in flight, bench/load.js mode ws-now)
   as anonymous with full rights (Kuzzle's first start) and as a logged-in user whose role
   allows only `server:now`, in alternating rounds on the same server; the ratio of the
   medians is the cost of authentication and rights (target >= 0.9), per second and per
   second of server CPU (the figure that holds when the load generator is saturated).
2. `auth:login` with the local strategy over HTTP: logins per second with production argon2
   parameters, from 4 concurrent clients.

The user, its role and profile are created in a scratch data directory through the security
store before `twistd kuzzle` starts on it (server core), the load runs on the load core.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from runner import BENCH, REPO, VENV_BIN, free_port, say, server_env, stop, wait_for_port

USERNAME, PASSWORD = "bench-user", "bench-password-1"
ROLE = {"controllers": {"server": {"actions": {"now": True}}, "auth": {"actions": {"*": True}}}}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/security", description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per run")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    p.add_argument("--login-clients", type=int, default=4)
    p.add_argument("--server-cpu", default="0")
    p.add_argument("--load-cpu", default="1")
    return p.parse_args(argv)


def seed(data_dir: str) -> None:
    """Create the restricted role, profile and user (run in a child process: own reactor)."""
    from twisted.internet import defer, task

    from kuzzle_tx.config import load_config
    from kuzzle_tx.security.service import Security
    from kuzzle_tx.storage.sqlite import SQLiteStorage

    async def run(reactor: Any) -> None:
        config = load_config(None, env={})
        storage = SQLiteStorage(data_dir, reactor)
        await storage.start()
        security = Security(storage, reactor, config.security, config.limits, lambda ids: None)
        await security.start()
        await security.store.put_role("bench", ROLE)
        await security.store.put_profile("bench", {"policies": [{"roleId": "bench"}]})
        await security.store.put_user("bench-kuid", {"profileIds": ["bench"]}, create=True)
        await security.local.create("bench-kuid", {"username": USERNAME, "password": PASSWORD})
        await security.stop()
        await storage.stop()

    task.react(lambda reactor: defer.ensureDeferred(run(reactor)))


def login(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": USERNAME, "password": PASSWORD})
    connection.request("POST", "/_login/local", body, {"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    connection.close()
    if answer.get("error"):
        raise RuntimeError(f"login failed: {answer['error']}")
    return str(answer["result"]["jwt"])


def now_rate(args: argparse.Namespace, port: int, pid: int, jwt: str) -> tuple[float, float]:
    """Requests per second, and per second of server CPU (the server's own cost)."""
    options = {
        "mode": "ws-now",
        "port": port,
        "server-pid": pid,
        "clk-tck": os.sysconf("SC_CLK_TCK"),
        "connections": 16,
        "inflight": 32,
        "workers": 2,
        "duration": args.duration,
        "warmup": args.warmup,
    }
    if jwt:
        options["jwt"] = jwt
    command = ["taskset", "-c", args.load_cpu, "node", str(BENCH / "load.js")]
    command += [arg for name, value in options.items() for arg in (f"--{name}", str(value))]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=args.duration + 120
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-800:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report.get("errors"):
        raise RuntimeError(f"{report['errors']} bad answers: {report['per_worker']}")
    per_second = float(report["per_second"])
    return per_second, per_second / max(float(report["server_cpu"]), 0.01)


def login_rate(args: argparse.Namespace, port: int) -> float:
    count = 0
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration

    def client() -> None:
        nonlocal count
        while time.monotonic() < deadline:
            try:
                login(port)
            except Exception as error:  # a failed login is a benchmark failure
                errors.append(str(error))
                return
            with lock:
                count += 1

    threads = [threading.Thread(target=client) for _ in range(args.login_clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return count / (time.monotonic() - began)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="kuzzle-bench-security-")
    data_dir = os.path.join(scratch, "data")
    try:
        seeding = subprocess.run(
            [sys.executable, __file__, "--seed", data_dir], cwd=REPO, env=server_env()
        )
        if seeding.returncode != 0:
            return seeding.returncode
        port = free_port()
        twistd = [str(VENV_BIN / "twistd"), "-n", "--pidfile=", "kuzzle"]
        command = ["taskset", "-c", args.server_cpu, *twistd, "--port", str(port)]
        command += ["--data-dir", data_dir]
        with open(Path(scratch) / "server.log", "wb") as log:
            server = subprocess.Popen(
                command, cwd=REPO, env=server_env(), stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(port, server, timeout=60)
            jwt = login(port)
            anonymous: list[tuple[float, float]] = []
            restricted: list[tuple[float, float]] = []
            for round_number in range(args.rounds):
                anonymous.append(now_rate(args, port, server.pid, ""))
                restricted.append(now_rate(args, port, server.pid, jwt))
                say(
                    f"round {round_number + 1}: anonymous {anonymous[-1][0]:,.0f}/s "
                    f"({anonymous[-1][1]:,.0f}/CPU-s), restricted user "
                    f"{restricted[-1][0]:,.0f}/s ({restricted[-1][1]:,.0f}/CPU-s)"
                )
            logins = login_rate(args, port)
        finally:
            stop(server)
        a = statistics.median(rate for rate, _ in anonymous)
        r = statistics.median(rate for rate, _ in restricted)
        a_cpu = statistics.median(per_cpu for _, per_cpu in anonymous)
        r_cpu = statistics.median(per_cpu for _, per_cpu in restricted)
        print("\nSecurity: WebSocket server:now, 16 connections x 32 in flight (median)")
        print(f"{'':<40}{'per second':>12}{'per server CPU-s':>18}")
        print(f"{'anonymous, full rights':<40}{a:>12,.0f}{a_cpu:>18,.0f}")
        print(f"{'logged-in user, restricted role':<40}{r:>12,.0f}{r_cpu:>18,.0f}")
        print(f"{'ratio (target >= 0.9)':<40}{r / a:>12.2f}{r_cpu / a_cpu:>18.2f}")
        # When the load generator saturates its core, throughput no longer shows the
        # server's cost: requests per second of server CPU still do.
        print("(the per server CPU-s ratio is the figure when the load generator is the bound)")
        print(f"\nauth:login (local, argon2id defaults), {args.login_clients} HTTP clients")
        print(f"{'logins per second':<40}{logins:>12.1f}")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seed":
        seed(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1:]))
