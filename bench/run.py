"""Run buildtail's benchmarks against a private stack and record the figures.

    ./dev bench                 every scenario
    ./dev bench page-open       only the named ones

Each scenario gets a fresh Redis, server.py and Celery worker. The table is
printed and appended, with the command and the machine, to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import big, diff, pipeline, trust, viewer  # noqa: E402
from bench.stack import Stack  # noqa: E402

SCENARIOS = {**pipeline.SCENARIOS, **viewer.SCENARIOS, **trust.SCENARIOS, **diff.SCENARIOS,
             **big.SCENARIOS}
STACK_OPTIONS = {**pipeline.STACK_OPTIONS, **trust.STACK_OPTIONS, **diff.STACK_OPTIONS,
                 **big.STACK_OPTIONS}
RESULTS = HERE / "RESULTS.md"


def machine() -> str:
    chromium = subprocess.run(
        [viewer.CHROMIUM, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {chromium or 'no Chromium'}"
    )


def record(command: str, rows: list[tuple[str, str, str, str]]) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    table = ["| scenario | figure | measured | target |", "|---|---|---|---|"]
    table += [f"| {scenario} | {figure} | {value} | {target} |" for scenario, figure, value, target
              in rows]
    section = f"\n## {stamp}\n\n`{command}` on {machine()}\n\n" + "\n".join(table) + "\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nEvery run of `./dev bench`, newest last.\n")
    with RESULTS.open("a") as results:
        results.write(section)
    return section


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help="any of: " + ", ".join(SCENARIOS))
    parser.add_argument(
        "--no-record", action="store_true", help="print only; leave RESULTS.md alone"
    )
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error("unknown scenario: " + ", ".join(unknown))
    chosen = args.scenarios or list(SCENARIOS)
    rows = []
    for name in chosen:
        print(f"running {name}...", flush=True)
        with Stack(**STACK_OPTIONS.get(name, {})) as stack:
            for figure, value, target in SCENARIOS[name](stack):
                rows.append((name, figure, value, target))
                print(f"  {figure}: {value} (target {target})", flush=True)
    command = "./dev bench" + "".join(f" {name}" for name in args.scenarios)
    if not args.no_record:
        print(record(command, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
