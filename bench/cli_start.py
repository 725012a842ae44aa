"""How long `agency compliance evaluate` takes for one scenario, before and after.

    python bench/cli_start.py [--runs N] [--before COMMIT] [--quick]

Checks out ``--before`` (default af3bced, the tree before the command line's imports
were made lazy) as a temporary git worktree, then in the same run, alternating, starts
N times each of:

- **before**: ``python -m agency.cli compliance evaluate example.json`` on the old tree;
- **after**: the same on this tree;
- **after, 10 files**: one call with ten scenario files (one JSON line each).

Every run is a fresh process (what a script calling the command pays); the first of
each is a warm-up (bytecode compiled, the ZIP table cached) and not counted.  Prints
median and p90 wall time per run, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SCENARIO = "tests/compliance/scenarios/example.json"
GIT = shutil.which("git") or "/usr/bin/git"


def _time(tree: Path, files: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "AGENCY_LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "agency.cli", "compliance", "evaluate"]
    argv += [str(tree / SCENARIO)] * files
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=tree, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or len(done.stdout.splitlines()) != files:
        raise SystemExit(f"{tree}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return elapsed


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--before", default="af3bced")
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "before"
        subprocess.run(
            [GIT, "-C", str(HERE), "worktree", "add", "--detach", str(old), args.before],
            check=True,
            capture_output=True,
        )
        try:
            cases = {"before": (old, 1), "after": (HERE, 1), "after, 10 files": (HERE, 10)}
            times: dict[str, list[float]] = {name: [] for name in cases}
            for tree, files in cases.values():
                _time(tree, files)  # warm-up
            for _ in range(runs):
                for name, (tree, files) in cases.items():
                    times[name].append(_time(tree, files))
        finally:
            subprocess.run(
                [GIT, "-C", str(HERE), "worktree", "remove", "--force", str(old)],
                check=False,
                capture_output=True,
            )
    results = {name: _summary(values) for name, values in times.items()}
    print(f"{'':18} {'median s':>9} {'p90 s':>9}   ({runs} runs each)")
    for name, figures in results.items():
        print(f"{name:18} {figures['median_s']:9.3f} {figures['p90_s']:9.3f}")
    ratio = results["before"]["median_s"] / results["after"]["median_s"]
    print(f"after is {ratio:.1f}x faster to start")
    print(json.dumps({"runs": runs, "before": args.before, **results, "speedup": round(ratio, 2)}))


if __name__ == "__main__":
    main()
