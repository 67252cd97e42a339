"""Benchmark (not a test): time and peak memory of `manage.py import_data` on a generated file.

    .venv/bin/python bench/import_bench.py --rows 100000 [--encoding cp932] [--dry-run]
        [--row-by-row] [--data-dir /tmp/import-bench] [--keep]

Builds a fresh embedded database (SQLite) in --data-dir (migrate, reference data), writes a CSV
of N distinct ASEAN institutions with Japanese headers, runs
`python manage.py import_data organizations FILE` in a child process and reports its wall time,
rows per second and peak resident memory (the child's ru_maxrss, next to that of
`manage.py check` as the baseline of a Django process), then counts what was written.
With DATABASE_URL set, the same runs on that PostgreSQL database (use a scratch one: the script
migrates it and leaves the imported rows there); --data-dir then only holds the file.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["MY", "TH", "VN", "ID", "PH", "SG"]
TYPES = ["university", "research_institute", "government", "industrial_park", "manufacturer"]
CAPS = ["EQP.DICING", "EQP.ETCH", "EQP.DEP", "EQP.SERVICE", "MFG.ATP", "RND.JOINT"]
THRUSTS = ["T1", "T2", "T3", "T4", "T5", "T6"]


def write_file(path: Path, rows: int, encoding: str) -> None:
    header = ["組織名", "名称（日本語）", "組織タイプ", "国", "提供能力", "戦略的重点", "説明"]
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(rows):
            writer.writerow(
                [
                    f"Bench Institute {i:06d}",
                    f"ベンチ研究所{i:06d}",
                    TYPES[i % len(TYPES)],
                    COUNTRIES[i % len(COUNTRIES)],
                    f"{CAPS[i % len(CAPS)]};{CAPS[(i + 1) % len(CAPS)]}",
                    THRUSTS[i % len(THRUSTS)],
                    f"Generated row {i} for the import benchmark.",
                ]
            )


def run(command: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, elapsed, usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "cp932"])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/import-bench"))
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument(
        "--row-by-row",
        action="store_true",
        help="organization_create for every row (import_data --row-by-row), not the batched path.",
    )
    parser.add_argument("--keep", action="store_true", help="Reuse the database if it exists.")
    args = parser.parse_args()

    if not args.keep and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATA_DIR": str(args.data_dir), "DEBUG": os.environ.get("DEBUG", "1")}
    python = sys.executable
    manage = [python, "manage.py"]
    for step in (["migrate", "-v0"], ["createcachetable"], ["load_reference", "-v0"]):
        subprocess.run(manage + step, cwd=ROOT, env=env, check=True)

    path = args.data_dir / f"organizations-{args.rows}.csv"
    write_file(path, args.rows, args.encoding)
    size_mb = path.stat().st_size / 1e6

    _rc, _t, baseline = run([*manage, "check"], env)
    command = [*manage, "import_data", "organizations", str(path), "-v0"]
    if args.dry_run:
        command.append("--dry-run")
    if args.row_by_row:
        command.append("--row-by-row")
    code, seconds, peak = run(command, env)
    written = (
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from engagement.models import Organization; "
                "print(Organization.objects.filter(name__startswith='Bench Institute').count())",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    print(
        f"\nrows={args.rows} file={size_mb:.1f} MB ({args.encoding}) dry_run={args.dry_run}\n"
        f"command: {' '.join(command[1:])}\n"
        f"exit code {code}; {seconds:.1f} s; {args.rows / seconds:.0f} rows/s\n"
        f"peak RSS {peak:.0f} MB (a bare `manage.py check`: {baseline:.0f} MB)\n"
        f"organizations in the database: {written}"
    )


if __name__ == "__main__":
    main()
