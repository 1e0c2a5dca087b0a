"""``make bench``: run every benchmark and print its table (``--quick`` for a smoke run)."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "overhead": "1. per-call overhead and client CPU, ExportKit vs raw aiobotocore (goals <= 1.05x, CPU <= 0.92x)",
    "models_speed": "2. validation + to_api() and response parsing, µs (goal <= 25 µs small)",
    "import_time": "3. import time vs aiobotocore.session (goal <= 1.15x)",
    "wait_all": "4. 1,000 independent job.wait() vs one wait_all per service (goal: within 10 %)",
    "poller_scale": "4b. shared poller at 1k/5k/10k jobs: calls, CPU and heap per round",
    "memory": "5. memory for 1,000 concurrent waits, MB per job",
    "emulator_throughput": "emulator throughput, requests/s",
    "cold_start": "6. a fresh process's first typed call vs raw aiobotocore (goal <= 1.20x)",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny runs (smoke test)")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="subset to run")
    args = parser.parse_args(argv)
    for name in args.names or BENCHMARKS:
        print(f"\n## {BENCHMARKS[name]}  (python -m benchmarks.{name})\n", flush=True)
        importlib.import_module(f"benchmarks.{name}").main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
