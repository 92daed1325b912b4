"""BibTeX import time against a field's length: LaTeX decoding must stay linear.

    python benchmarks/bench_bibtex.py [--mb 2]

One entry whose abstract is --mb MB of text, in two kinds: LaTeX-dense (an accent, a brace, math,
a dash and a percent sign in every 80 characters: the worst case) and an exported abstract
(plain prose, an escaped '\\%' or '\\&' every few hundred characters, as our own BibTeX export
and Scopus write them). Each is read by litreview's importer (importers/bibtex.py) at 1/8, 1/4,
1/2 and 1 of the length, so the growth shows; the peer is bibtexparser's own
LatexDecodingMiddleware (pylatexenc on the whole field), timed on the short fields only, 1/4,
1/2 and all of --peer-kb (it took 21 s for 0.6 MB and more than 10 minutes for 2.4 MB).
Target (#15): the 2 MB field imports in well under a second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litreview.importers import bibtex  # noqa: E402

DENSE = "Almost 60% of caf\\'e {\\\"u}ber users of $\\alpha$-blockers -- and {DNA} tests. "
PROSE = ("Systematic reviews of randomised trials were searched in five databases and screened by "
         "two reviewers; disagreements were resolved by discussion with a third reviewer, and 12\\% "
         "of the records were excluded at full text (R\\&D reports). ")


def entry_file(folder: Path, unit: str, size: int) -> Path:
    path = folder / f"field_{len(unit)}_{size}.bib"
    text = (unit * (size // len(unit) + 1))[:size].rsplit(" ", 1)[0]
    path.write_text("@article{big2020,\n  title = {A {Big} Field},\n  author = {M{\\\"u}ller, Anna},\n"
                    f"  year = {{2020}},\n  abstract = {{{text}}}\n}}\n", encoding="utf-8")
    return path


def seconds(read: object, path: Path) -> float:
    start = time.perf_counter()
    records = list(read(path, None))  # type: ignore[operator]
    assert len(records) == 1 and not isinstance(records[0], Exception), records
    return time.perf_counter() - start


def peer_read(path: Path, source: str | None) -> list[object]:
    """The importer with bibtexparser's LatexDecodingMiddleware deciding every field whole."""
    from bibtexparser import middlewares as mw

    saved = bibtex._ExportedLatexDecoding._transform_python_value_string
    bibtex._ExportedLatexDecoding._transform_python_value_string = (  # type: ignore[method-assign]
        mw.LatexDecodingMiddleware._transform_python_value_string)
    try:
        return list(bibtex.read(path, source))
    finally:
        bibtex._ExportedLatexDecoding._transform_python_value_string = saved  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--peer-kb", type=int, default=100, help="longest field the peer reads")
    args = parser.parse_args()
    full = int(args.mb * (1 << 20))
    with tempfile.TemporaryDirectory(prefix="bench-bibtex-") as tmp:
        folder = Path(tmp)
        print(f"{'field':>10} {'kind':>8} {'litreview s':>12} {'pylatexenc whole s':>19}")
        for kind, unit in (("dense", DENSE), ("prose", PROSE)):
            peer_sizes = [args.peer_kb * 1024 // 4, args.peer_kb * 1024 // 2, args.peer_kb * 1024]
            for size in [*peer_sizes, full // 8, full // 4, full // 2, full]:
                path = entry_file(folder, unit, size)
                ours = seconds(bibtex.read, path)
                peer = f"{seconds(peer_read, path):19.2f}" if size in peer_sizes else f"{'-':>19}"
                print(f"{size / (1 << 20):9.3f}M {kind:>8} {ours:12.2f} {peer}")


if __name__ == "__main__":
    main()
