"""The PRISMA 2020 flow diagram (new reviews; with the previous-studies box for updates), drawn
with matplotlib so SVG and PNG come from one layout. Laid out as the official template:
identification, screening and included rows on the left, removals and exclusions on the right."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from litreview.prisma import Prisma  # noqa: E402

WIDTH, HEIGHT = 10.0, 11.5
BOX_W = 4.2
PHASES = (("Identification", 8.6, 11.2), ("Screening", 2.9, 8.4), ("Included", 0.3, 2.7))


def _lines(title: str, items: list[str]) -> str:
    body = [_fill(title, 40)] + [_fill(item, 42, subsequent_indent="   ") for item in items]
    return "\n".join(body)


def _fill(text: str, width: int, subsequent_indent: str = "") -> str:
    """textwrap.fill that keeps '(n = 705)' on one line: textwrap breaks only at ASCII
    whitespace, so the count's spaces are no-break spaces while it wraps."""
    unbroken = text.replace("(n = ", "(n\u00a0=\u00a0")
    return textwrap.fill(unbroken, width, subsequent_indent=subsequent_indent).replace("\u00a0", " ")


def _box(ax: Axes, x: float, y: float, h: float, text: str) -> tuple[float, float, float]:
    ax.add_patch(FancyBboxPatch((x, y), BOX_W, h, boxstyle="square,pad=0", fc="white", ec="black", lw=1))
    ax.text(x + 0.12, y + h - 0.12, text, va="top", ha="left", fontsize=8.5, family="DejaVu Sans")
    return x, y, h


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 1, "color": "black"})


def draw(c: Prisma, fmt: str) -> bytes:
    """The diagram as SVG or PNG bytes."""
    fig, ax = plt.subplots(figsize=(WIDTH * 0.75, HEIGHT * 0.75))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.axis("off")
    for name, low, high in PHASES:
        ax.add_patch(FancyBboxPatch((0.05, low), 0.45, high - low, boxstyle="round,pad=0.02",
                                    fc="#9ecae1", ec="none"))
        ax.text(0.275, (low + high) / 2, name, rotation=90, va="center", ha="center", fontsize=9,
                weight="bold")
    left, right = 0.7, 5.5
    ident = [f"{k} (n = {v})" for k, v in c.identified.items()] or ["(none)"]
    total = sum(c.identified.values())
    _box(ax, left, 9.0, 2.1, _lines(f"Records identified from databases (n = {total}):", ident))
    removed = [f"Duplicate records (n = {c.duplicates_removed})"]
    removed += [f"{k} (n = {v})" for k, v in c.removed_other.items()]
    _box(ax, right, 9.0, 2.1, _lines("Records removed before screening:", removed))
    _arrow(ax, (left + BOX_W, 10.05), (right, 10.05))
    screened = [f"Awaiting screening (n = {c.awaiting_screening})"] if c.awaiting_screening else []
    _box(ax, left, 7.3, 1.2, _lines(f"Records screened (n = {c.screened})", screened))
    _box(ax, right, 7.3, 1.2, _lines(f"Records excluded (n = {c.excluded_screening})", []))
    _arrow(ax, (left + BOX_W / 2, 9.0), (left + BOX_W / 2, 8.5))
    _arrow(ax, (left + BOX_W, 7.9), (right, 7.9))
    sought_extra = [f"Awaiting retrieval (n = {c.awaiting_retrieval})"] if c.awaiting_retrieval else []
    _box(ax, left, 5.6, 1.2, _lines(f"Reports sought for retrieval (n = {c.reports_sought})", sought_extra))
    _box(ax, right, 5.6, 1.2, _lines(f"Reports not retrieved (n = {c.reports_not_retrieved})", []))
    _arrow(ax, (left + BOX_W / 2, 7.3), (left + BOX_W / 2, 6.8))
    _arrow(ax, (left + BOX_W, 6.2), (right, 6.2))
    assessed_extra = [f"Awaiting assessment (n = {c.awaiting_assessment})"] if c.awaiting_assessment else []
    _box(ax, left, 3.1, 2.0, _lines(f"Reports assessed for eligibility (n = {c.reports_assessed})",
                                    assessed_extra))
    reasons = [f"{k} (n = {v})" for k, v in c.reports_excluded.items()] or ["(none)"]
    _box(ax, right, 3.1, 2.0, _lines("Reports excluded:", reasons))
    _arrow(ax, (left + BOX_W / 2, 5.6), (left + BOX_W / 2, 5.1))
    _arrow(ax, (left + BOX_W, 4.1), (right, 4.1))
    included = [f"Reports of included studies (n = {c.reports_included})"]
    if c.previous_studies is not None:
        included.insert(0, f"Studies included in previous version (n = {c.previous_studies})")
    _box(ax, left, 0.5, 2.0, _lines(f"Studies included in review (n = {c.studies_included})", included))
    _arrow(ax, (left + BOX_W / 2, 3.1), (left + BOX_W / 2, 2.5))
    if c.identified_other_methods:
        other = [f"{k} (n = {v})" for k, v in c.identified_other_methods.items()]
        _box(ax, right, 0.5, 2.0, _lines("Records identified from other methods:", other))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=200 if fmt == "png" else None, bbox_inches="tight",
                metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()
