"""A reviewer's look-ups on a big library: `show`, `list --search`, `export --format csv` (with the
screening state of every record) and `prisma`, each through the CLI as a user runs them.

Builds a library of N records (real PubMed records repeated with new PMIDs; half screened by one
reviewer, one in ten a merged duplicate, a note on one in fifty) and prints seconds per command.

    python benchmarks/bench_records.py [--n 50000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from benchmarks.bench_screener import build  # noqa: E402
from litreview.cli import cli  # noqa: E402
from litreview.store import screening as screening_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.db"
        library = build(path, args.n)
        ids = [r.id for r in library.records() if r.id is not None]
        with library.transaction():
            for record_id in ids[: args.n // 2]:
                screening_store.insert_decision(library, record_id, "ta", "ben", "exclude", None)
            for record_id in ids[::50]:
                screening_store.insert_note(library, record_id, "ana", "see the erratum")
        library.close()
        runner = CliRunner()
        commands = [["show", str(ids[len(ids) // 2])], ["list", "--search", "thalassemia spinal"],
                    ["list", "--status", "excluded", "--format", "csv"],
                    ["export", "--format", "csv", "-o", str(Path(tmp) / "all.csv")],
                    ["export", "--format", "ris", "--status", "unique", "-o", str(Path(tmp) / "u.ris")],
                    ["prisma", "--format", "json"]]
        print(f"{args.n:,} records")
        for command in commands:
            start = time.perf_counter()
            result = runner.invoke(cli, ["--db", str(path), *command])
            took = time.perf_counter() - start
            assert result.exit_code == 0, result.output
            print(f"  {' '.join(command[:4]):<45} {took:6.2f} s")


if __name__ == "__main__":
    main()
