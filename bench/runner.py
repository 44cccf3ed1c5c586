"""
Run the benchmark modes against each target server and print absolute figures and ratios.

Called by ``bench/run`` (which installs the node load generator first); standard library only.
For each mode, each target gets a fresh server pinned to one core (``taskset``), a free
loopback port, and the node load generator (``bench/load.js``) pinned to another core.
"""

import argparse
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import clean, pct, report, result_cells

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV_BIN = REPO / ".venv" / "bin"

MODES = ("ws-now", "ws-ping", "http-query", "ws-idle", "fanout-1000", "fanout-5000", "match")
TARGETS = ("bare", "kuzzle_tx", "bare-lean", "node-ws")
# match: kuzzle_tx alone, publishing with 1 room and then with --rooms distinct filters; the
# rows of the table are these two variants (both run kuzzle_tx).
MATCH_ONE = "kuzzle_tx (1 room)"
# bare-lean: the bare server with twisted.web's POST form parsing off, as kuzzle_tx runs it
# (HTTP only: its WebSocket side is the bare server's).
HTTP_ONLY_TARGETS = ("bare-lean",)
# Options passed through to bench/load.js, and the configuration recorded in --json.
LOAD_OPTIONS = ("connections", "inflight", "duration", "warmup", "workers", "idle")
CONFIG = (
    *LOAD_OPTIONS,
    "server_cpu",
    "load_cpu",
    "kuzzle_cmd",
    "noise",
    "rounds",
    "rooms",
    "modes",
    "target_list",
)
KUZZLE_CMD = ".venv/bin/twistd -n --pidfile= kuzzle --port {port} --data-dir {data_dir}"


def env_default(name: str, default):
    value = os.environ.get(f"BENCH_{name.upper()}")
    return default if value is None else type(default)(value)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/run",
        description="kuzzle_tx vs a bare Twisted + autobahn server, side by side. "
        "Every option also reads BENCH_<NAME> from the environment (e.g. BENCH_DURATION=5).",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        default=env_default("quick", 0) == 1,
        help="short run: 3 s measured after 1 s warm-up, 2,000 idle connections",
    )
    p.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="MODE",
        help=f"run only these modes (repeat or comma-separate): {', '.join(MODES)}",
    )
    p.add_argument(
        "--targets",
        default=env_default("targets", ",".join(TARGETS)),
        help="comma-separated servers to measure (default: %(default)s)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=env_default("duration", 10.0),
        help="measured seconds per throughput run (default: %(default)s)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=env_default("warmup", 2.0),
        help="seconds of load before measuring (default: %(default)s)",
    )
    p.add_argument("--connections", type=int, default=env_default("connections", 16))
    p.add_argument(
        "--inflight",
        type=int,
        default=env_default("inflight", 32),
        help="WebSocket requests in flight per connection (default: %(default)s)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=env_default("workers", 2),
        help="load generator processes (default: %(default)s)",
    )
    p.add_argument(
        "--idle",
        type=int,
        default=env_default("idle", 10000),
        help="idle WebSocket connections for ws-idle (default: %(default)s)",
    )
    p.add_argument(
        "--rooms",
        type=int,
        default=env_default("rooms", 10000),
        help="distinct filters of match's many-rooms run, against 1 room (default: %(default)s)",
    )
    p.add_argument("--server-cpu", default=env_default("server_cpu", "0"))
    p.add_argument("--load-cpu", default=env_default("load_cpu", "1"))
    p.add_argument(
        "--kuzzle-cmd",
        default=env_default("kuzzle_cmd", KUZZLE_CMD),
        help="kuzzle_tx command line, run from the repo root (default: %(default)s)",
    )
    p.add_argument(
        "--noise",
        type=float,
        default=env_default("noise", 0.1),
        help="a throughput run during which other processes used more than this many cores "
        "is repeated (default: %(default)s)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=env_default("retries", 2),
        help="repeats of a noisy run; the best figure is kept (default: %(default)s)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=env_default("rounds", 3),
        help="throughput runs of bare and kuzzle_tx, alternating which goes first; each "
        "target's figure is the median of its rounds (default: %(default)s)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=env_default("budget", 900.0),
        help="repeat disturbed runs only while the whole bench still fits in this many "
        "seconds (default: %(default)s)",
    )
    p.add_argument(
        "--json",
        default=env_default("json", ""),
        metavar="PATH",
        help="also write the results as JSON to PATH",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when a kuzzle_tx/bare ratio misses its target",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.idle = min(args.duration, 3.0), 1.0, min(args.idle, 2000)
    modes = [m for opt in (args.only or [",".join(MODES)]) for m in opt.split(",") if m]
    targets = [t for t in args.targets.split(",") if t]
    # fanout-N: any number of subscribers (fanout-1000 and fanout-5000 by default).
    known_modes = (*MODES, *(m for m in modes if fanout_subscribers(m)))
    for name, given, known in (("mode", modes, known_modes), ("target", targets, TARGETS)):
        unknown = sorted(set(given) - set(known))
        if unknown:
            p.error(f"unknown {name} {', '.join(unknown)}; choose from {', '.join(known)}")
    extra = sorted({m for m in modes if m not in MODES}, key=fanout_subscribers)
    args.modes = [m for m in (*MODES, *extra) if m in modes]
    args.target_list = [t for t in TARGETS if t in targets]
    return args


def fanout_subscribers(mode: str) -> int:
    """N for a ``fanout-N`` mode, else 0."""
    head, _, count = mode.partition("-")
    return int(count) if head == "fanout" and count.isdigit() and int(count) > 0 else 0


def match_many(args: argparse.Namespace) -> str:
    return f"kuzzle_tx ({args.rooms:,} rooms)"


def mode_targets(mode: str, args: argparse.Namespace) -> list[str]:
    """The rows of a mode: its targets (match: kuzzle_tx with 1 room, then with --rooms)."""
    if mode == "match":
        return [MATCH_ONE, match_many(args)] if "kuzzle_tx" in args.target_list else []
    if mode == "http-query":
        return list(args.target_list)
    return [t for t in args.target_list if t not in HTTP_ONLY_TARGETS]


def load_options(mode: str, target: str, args: argparse.Namespace) -> dict:
    """What bench/load.js gets for this run besides the common options."""
    if fanout_subscribers(mode):
        return {"mode": "fanout", "subscribers": fanout_subscribers(mode)}
    if mode == "match":
        return {"mode": "match", "rooms": 1 if target == MATCH_ONE else args.rooms}
    return {"mode": mode}


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not accept on port {port} within {timeout:.0f} s")


def server_env() -> dict[str, str]:
    # The checkout on sys.path: twistd finds twisted/plugins/kuzzle_plugin.py and the working
    # tree's kuzzle_tx, whatever the venv has installed.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def server_command(target: str, port: int, data_dir: str, args: argparse.Namespace) -> list:
    if target == "bare":
        return [str(VENV_BIN / "python"), "bench/bare_server.py", "--port", str(port)]
    if target == "bare-lean":
        bare = [str(VENV_BIN / "python"), "bench/bare_server.py", "--port", str(port)]
        return [*bare, "--no-form-parsing"]
    if target == "node-ws":
        return ["node", "bench/node_server.js", "--port", str(port)]
    # kuzzle_tx, and the match variants (kuzzle_tx too)
    return shlex.split(args.kuzzle_cmd.format(port=port, data_dir=data_dir))


def kuzzle_available(args: argparse.Namespace) -> str | None:
    """None when ``twistd kuzzle --help`` works, else why it does not."""
    cmd = server_command("kuzzle_tx", 0, "/nonexistent", args)
    if "kuzzle" not in cmd:
        return None  # a custom command: trust it, the run will tell
    cmd = cmd[: cmd.index("kuzzle") + 1] + ["--help"]
    try:
        done = subprocess.run(
            cmd, cwd=REPO, env=server_env(), capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{shlex.join(cmd)}: {e}"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        last = lines[-1] if lines else ""
        return f"`{shlex.join(cmd)}` exits with status {done.returncode}: {last}"
    return None


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_one(mode: str, target: str, args: argparse.Namespace, scratch: Path) -> dict:
    port = free_port()
    prefix = "".join(c if c.isalnum() or c in "_-" else "-" for c in f"{target}-{mode}-")
    data_dir = tempfile.mkdtemp(prefix=prefix, dir=scratch)
    log_path = Path(data_dir) / "server.log"
    cmd = ["taskset", "-c", args.server_cpu, *server_command(target, port, data_dir, args)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=server_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_port(port, proc, timeout=30)
        time.sleep(0.5)
        options = {
            **load_options(mode, target, args),
            "port": port,
            "server-pid": proc.pid,
            "clk-tck": os.sysconf("SC_CLK_TCK"),
            **{name: getattr(args, name) for name in LOAD_OPTIONS},
        }
        load = ["taskset", "-c", args.load_cpu, "node", str(BENCH / "load.js")]
        load += [arg for name, value in options.items() for arg in (f"--{name}", str(value))]
        budget = args.warmup + args.duration + 180
        done = subprocess.run(load, cwd=REPO, capture_output=True, text=True, timeout=budget)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-800:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} during the run")
        return result
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        log_tail = tail(log_path)
        return {"error": str(e) + (f"\n--- server log tail ---\n{log_tail}" if log_tail else "")}
    finally:
        stop(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def busy_cores(seconds: float) -> float:
    """Cores' worth of CPU that processes used during the next ``seconds`` (from /proc/stat)."""

    def sample() -> int:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:4]  # the "cpu" line: user nice system
        return sum(int(f) for f in fields)

    before = sample()
    time.sleep(seconds)
    return (sample() - before) / os.sysconf("SC_CLK_TCK") / seconds


def wait_for_quiet(args: argparse.Namespace, began: float, most: float = 3.0) -> None:
    """Give other users of the machine a few seconds to go quiet before a throughput run."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline and time.monotonic() - began < args.budget:
        if busy_cores(0.5) <= args.noise:
            return


def attempt(mode: str, target: str, args: argparse.Namespace, scratch: Path, began: float):
    if mode != "ws-idle":
        wait_for_quiet(args, began)
    started = time.monotonic()
    result = run_one(mode, target, args, scratch)
    figure = result_cells(mode, result, args)[0]
    other = result.get("other_cpu")
    note = "" if other is None else f", other processes {pct(other)} CPU"
    say(f"bench: {mode:<11} {target:<9} {figure}  [{time.monotonic() - started:.0f} s{note}]")
    return result


def best(attempts: list[dict], args: argparse.Namespace) -> dict:
    """
    The median of the undisturbed figures (several rounds smooth out the machine's own
    variation), else the best figure: interference only lowers throughput.
    """
    good = [r for r in attempts if "error" not in r]
    if not good:
        return attempts[-1]
    undisturbed = sorted((r for r in good if clean(r, args)), key=lambda r: r.get("per_second", 0))
    if undisturbed:
        chosen = undisturbed[(len(undisturbed) - 1) // 2].copy()
    else:
        chosen = max(good, key=lambda r: r.get("per_second", 0)).copy()
    if len(attempts) > 1:
        keys = ("per_second", "server_cpu", "other_cpu", "error")
        chosen["attempts"] = [{k: r.get(k) for k in keys if k in r} for r in attempts]
    return chosen


def run_cost(mode: str, args: argparse.Namespace) -> float:
    """A rough duration of one run, in seconds, to keep repeats within the budget."""
    if mode == "ws-idle":
        return 5.0 + args.idle / 1000
    # fanout: opening and subscribing the connections (~0.6 ms each), then the drain
    setup = fanout_subscribers(mode) / 1500 + 2.0 if fanout_subscribers(mode) else 0.0
    return (args.warmup + args.duration + 3.0 + setup) * max(1, args.rounds)


def measure_mode(
    mode: str, args: argparse.Namespace, scratch: Path, began: float, later: float
) -> dict:
    """Every target once; then the bare and kuzzle_tx targets with no undisturbed run again
    (later, so that a passing disturbance can end), as long as the repeats and the ``later``
    seconds of runs still to come fit in the time budget."""
    targets = mode_targets(mode, args)
    attempts: dict[str, list[dict]] = {target: [] for target in targets}
    rounds = max(1, args.rounds) if mode != "ws-idle" else 1
    for number in range(rounds):
        # Alternate the order, so neither side always runs on a warmer (or hotter) machine.
        order = targets if number % 2 == 0 else targets[::-1]
        for target in order:
            if number and target == "node-ws":
                continue  # a reference point: one run is enough
            attempts[target].append(attempt(mode, target, args, scratch, began))
    for _ in range(max(0, args.retries) if mode != "ws-idle" else 0):
        again = [
            target
            for target, runs in attempts.items()
            if target != "node-ws" and not any("error" in r or clean(r, args) for r in runs)
        ]
        if not again:
            break
        cost = len(again) * run_cost(mode, args)
        if time.monotonic() - began + cost + later > args.budget:
            say(f"bench: no time left to repeat {', '.join(again)}: keeping disturbed figures")
            break
        say(f"bench: disturbed runs (other processes used the CPUs), again: {', '.join(again)}")
        for target in again:
            attempts[target].append(attempt(mode, target, args, scratch, began))
    return {target: best(runs, args) for target, runs in attempts.items()}


def raise_nofile(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and soft != hard:
        new = hard if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if shutil.which("taskset") is None:
        say("bench: taskset (util-linux) is required to pin server and load to their cores")
        return 2
    if (os.cpu_count() or 1) < 2 and args.server_cpu == args.load_cpu == "0":
        say("bench: a single core: server and load share it, figures are not meaningful")
    if "ws-idle" in args.modes:
        limit = raise_nofile(args.idle + 1024)
        if limit < args.idle + 1024:
            args.idle = max(100, limit - 1024)
            say(f"bench: open-file limit {limit}: ws-idle lowered to {args.idle} connections")
    most = max((fanout_subscribers(m) for m in args.modes), default=0)
    if most:
        # The server holds every subscriber socket, the load workers share them.
        limit = raise_nofile(most + 1024)
        if limit < most + 1024:
            say(f"bench: open-file limit {limit} is too low for {most:,} subscribers")
    if "match" in args.modes and "kuzzle_tx" not in args.target_list:
        say("bench: match measures kuzzle_tx only: not in --targets, skipped")

    skipped = {}
    if "kuzzle_tx" in args.target_list:
        why = kuzzle_available(args)
        if why:
            skipped["kuzzle_tx"] = f"not runnable yet ({why}); measured the others only"
            args.target_list.remove("kuzzle_tx")
            say(f"bench: skipping kuzzle_tx: {why}")

    results: dict = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kuzzle-bench-") as scratch:
        for i, mode in enumerate(args.modes):
            rest = args.modes[i + 1 :]
            later = sum(run_cost(m, args) * len(mode_targets(m, args)) for m in rest)
            results[mode] = measure_mode(mode, args, Path(scratch), began, later)

    text, ratios, ok = report(results, skipped, args)
    print(text, end="", flush=True)
    if args.json:
        payload = {
            "config": {name: getattr(args, name) for name in CONFIG},
            "results": results,
            "ratios_to_bare": ratios,
            "skipped": skipped,
            "targets_met": ok,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if args.check and (not ok or skipped) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
