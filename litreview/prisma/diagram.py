"""The PRISMA 2020 flow diagram as the official template draws it ("new systematic reviews which
included searches of databases, registers and other sources"; with the previous-studies column of
the template for updated reviews when `prisma.previous_studies` is set).

Two steps: `layout()` measures every box's text and places boxes, headers and arrows in inches
(boxes grow with their content; a row is as tall as its tallest box, so horizontal arrows run
between boxes and vertical ones through empty cells, never through text); `draw()` renders that
layout with matplotlib's object API (no pyplot, no process-wide backend) as SVG, with text kept as
editable `<text>` elements, or PNG.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from litreview.prisma import Prisma, awaiting_note

FONT = "DejaVu Sans"  # ships with matplotlib: the same metrics on every machine
SVG_FALLBACK = "Arial, Helvetica, sans-serif"
"""Where the SVG is opened without DejaVu Sans (PowerPoint, Illustrator, a journal's system): a
sans-serif no wider than it, not the viewer's default serif. Written into the SVG's font-family
after drawing: asked of matplotlib, it would look each one up and warn about the missing ones."""
FONT_SIZE = 8.0
HEADER_SIZE = 9.0
BOX_W = 2.45
PAD = 0.08
ARROW_GAP = 0.45
ARM_GAP = 0.3
ROW_GAP = 0.32
MARGIN = 0.15
PHASE_W = 0.3
DPI = 200
DB_HEADER = "Identification of studies via databases and registers"
OTHER_HEADER = "Identification of studies via other methods"
PREVIOUS_HEADER = "Previous studies"
NEW_DB_HEADER = "Identification of new studies via databases and registers"
NEW_OTHER_HEADER = "Identification of new studies via other methods"
"""The template for updated reviews (a previous-studies column) says 'new studies'."""
COLOURS = {"database": "#f6c744", "other": "#d9d9d9", "previous": "#d9d9d9", "phase": "#a9c8e8"}


@dataclass
class Box:
    column: str
    row: int
    text: str
    x: float = 0.0
    y: float = 0.0
    """Top edge, in inches from the top of the figure (layout is top-down)."""
    w: float = BOX_W
    h: float = 0.0
    text_w: float = 0.0
    text_h: float = 0.0
    fill: str = "white"
    size: float = FONT_SIZE
    centred: bool = False
    rotated: bool = False


@dataclass
class Layout:
    boxes: list[Box] = field(default_factory=list)
    arrows: list[list[tuple[float, float]]] = field(default_factory=list)
    """Each arrow a polyline (top-down inches), the head at its last point."""
    width: float = 0.0
    height: float = 0.0
    note: Box | None = None


def _n(label: str, value: int) -> str:
    return f"{label} (n = {value})"


INDENT = "\u00a0" * 3
"""No-break spaces: an SVG viewer collapses leading ordinary spaces in a <text>."""


def _lines(head: str, items: list[str] | None = None) -> str:
    return "\n".join([head, *(INDENT + item for item in items or [])])


def _per_source(counts: dict[str, int]) -> list[str]:
    return [_n(name, value) for name, value in counts.items()]


def _flow_boxes(c: Prisma) -> list[Box]:
    """The databases-and-registers arm (columns A and B), rows 1-5."""
    databases = [_n("Databases", sum(c.identified.values())), *(
        INDENT + line for line in _per_source(c.identified))]
    registers = [_n("Registers", sum(c.identified_registers.values())), *(
        INDENT + line for line in _per_source(c.identified_registers))]
    removed = [_n("Duplicate records removed", c.duplicates_removed),
               _n("Records marked as ineligible by automation tools", c.marked_ineligible_by_automation),
               _n("Records removed for other reasons", c.removed_other_reasons)]
    reasons = _per_source(c.reports_excluded)
    boxes = [
        Box("A", 1, _lines("Records identified from:", databases + registers)),
        Box("B", 1, _lines("Records removed before screening:", removed)),
        Box("A", 2, f"Records screened\n(n = {c.screened})"),
        Box("B", 2, f"Records excluded\n(n = {c.excluded_screening})"),
        Box("A", 3, f"Reports sought for retrieval\n(n = {c.reports_sought})"),
        Box("B", 3, f"Reports not retrieved\n(n = {c.reports_not_retrieved})"),
        Box("A", 4, f"Reports assessed for eligibility\n(n = {c.reports_assessed})"),
        Box("B", 4, _lines("Reports excluded:", reasons) if reasons else "Reports excluded\n(n = 0)"),
    ]
    if c.previous_studies is None:
        boxes.append(Box("A", 5, f"Studies included in review\n(n = {c.studies_included})\n"
                                 f"Reports of included studies\n(n = {c.reports_included})"))
    else:
        previous_reports = c.previous_reports or 0
        boxes += [
            Box("A", 5, f"New studies included in review\n(n = {c.studies_included})\n"
                        f"Reports of new included studies\n(n = {c.reports_included})"),
            Box("A", 6, f"Total studies included in review\n(n = {c.previous_studies + c.studies_included})\n"
                        f"Reports of total included studies\n(n = {previous_reports + c.reports_included})"),
            Box("P", 1, f"Studies included in previous version of review\n(n = {c.previous_studies})\n"
                        "Reports of studies included in previous version of review\n"
                        f"(n = {previous_reports})"),
        ]
    return boxes


def _other_boxes(c: Prisma) -> list[Box]:
    """The other-methods arm (columns C and D): identification, retrieval, eligibility."""
    o = c.other_methods
    if o is None:
        return []
    reasons = _per_source(o.reports_excluded)
    return [
        Box("C", 1, _lines("Records identified from:", _per_source(o.identified))),
        Box("C", 3, f"Reports sought for retrieval\n(n = {o.reports_sought})"),
        Box("D", 3, f"Reports not retrieved\n(n = {o.reports_not_retrieved})"),
        Box("C", 4, f"Reports assessed for eligibility\n(n = {o.reports_assessed})"),
        Box("D", 4, _lines("Reports excluded:", reasons) if reasons else "Reports excluded\n(n = 0)"),
    ]


class _Measure:
    """Text extents in inches, from the Agg renderer that also draws the PNG."""

    def __init__(self) -> None:
        self.figure = Figure(dpi=DPI)
        self.renderer: RendererAgg = FigureCanvasAgg(self.figure).get_renderer()

    def extent(self, text: str, size: float, bold: bool = False) -> tuple[float, float]:
        artist = self.figure.text(0, 0, text, fontsize=size, family=FONT, weight="bold" if bold else "normal",
                                  linespacing=1.3)
        bbox = artist.get_window_extent(self.renderer)
        artist.remove()
        return bbox.width / DPI, bbox.height / DPI

    def wrap(self, text: str, width: float, size: float, bold: bool = False) -> tuple[str, float, float]:
        """Wrapped so it fits `width` inches; a count '(n = 705)' is never split."""
        chars = max(12, int(width / (size * 0.62 / 72)))
        while True:
            wrapped = "\n".join(_fill(line, chars) for line in text.split("\n"))
            w, h = self.extent(wrapped, size, bold)
            if w <= width or chars <= 12:
                return wrapped, w, h
            chars -= 2


def _fill(line: str, width: int) -> str:
    """textwrap.fill indenting an item's continuation lines under it (a heading's run on flush, as
    the template's do), and keeping '(n = 705)' whole: textwrap breaks only at whitespace, so the
    count's spaces are NULs while it wraps."""
    indent = line[: len(line) - len(line.lstrip("\u00a0"))]
    unbroken = line.replace("(n = ", "(n\x00=\x00")
    if len(line) <= width:
        return line
    wrapped = textwrap.fill(unbroken, width, subsequent_indent=indent + INDENT if indent else "")
    return wrapped.replace("\x00", " ")


def _columns(c: Prisma) -> dict[str, float]:
    x = MARGIN + PHASE_W + ARM_GAP
    columns: dict[str, float] = {}
    order = (["P"] if c.previous_studies is not None else []) + ["A", "B"]
    order += ["C", "D"] if c.other_methods is not None else []
    for name in order:
        columns[name] = x
        x += BOX_W + (ARROW_GAP if name in ("A", "C") else ARM_GAP)
    return columns


def layout(c: Prisma) -> Layout:
    """Every box, header, phase bar and arrow of the diagram, measured and placed."""
    measure = _Measure()
    result = Layout(boxes=_flow_boxes(c) + _other_boxes(c))
    columns = _columns(c)
    for box in result.boxes:
        box.text, box.text_w, box.text_h = measure.wrap(box.text, BOX_W - 2 * PAD, FONT_SIZE)
        box.h = box.text_h + 2 * PAD
        box.x = columns[box.column]
    headers = _headers(c, columns, measure)
    top = MARGIN + max(h.h for h in headers) + ROW_GAP
    phases = _phase_boxes(c, measure)
    rows = sorted({b.row for b in result.boxes})
    row_top: dict[int, float] = {}
    for row in rows:
        in_row = [b for b in result.boxes if b.row == row]
        height = max(b.h for b in in_row)
        phase = next((p for p in phases if p.row == row and p.column == "phase1"), None)
        if phase is not None:  # the Identification bar's label must fit its row
            height = max(height, phase.text_w + 2 * PAD)
        for box in in_row:
            box.y, box.h = top, height
        row_top[row] = top
        top += height + ROW_GAP
    result.boxes += headers
    _place_phases(phases, result.boxes, row_top)
    result.boxes += phases
    result.width = max(b.x + b.w for b in result.boxes) + MARGIN
    result.arrows = _arrows(c, result)
    note = diagram_note(c)
    if note:
        text, w, h = measure.wrap(note, result.width - 2 * MARGIN, FONT_SIZE - 0.5)
        result.note = Box("note", 0, text, x=MARGIN, y=top, w=w, h=h, text_w=w, text_h=h,
                          fill="none", size=FONT_SIZE - 0.5)
        top += h + ROW_GAP / 2
    result.height = top - ROW_GAP + MARGIN + (ROW_GAP if note else 0)
    return result


def diagram_note(c: Prisma) -> str | None:
    """Under the diagram: what is in progress, and included studies since retracted."""
    parts = [awaiting_note(c) or ""]
    if c.retracted_included:
        parts.append("Retracted included studies: " + "; ".join(c.retracted_included) + ".")
    return "\n".join(p for p in parts if p) or None


def _headers(c: Prisma, columns: dict[str, float], measure: _Measure) -> list[Box]:
    updated = c.previous_studies is not None
    spans = [("database", NEW_DB_HEADER if updated else DB_HEADER, columns["A"], columns["B"] + BOX_W)]
    if c.other_methods is not None:
        spans.append(("other", NEW_OTHER_HEADER if updated else OTHER_HEADER, columns["C"],
                      columns["D"] + BOX_W))
    if c.previous_studies is not None:
        spans.append(("previous", PREVIOUS_HEADER, columns["P"], columns["P"] + BOX_W))
    headers = []
    for kind, text, left, right in spans:
        wrapped, w, h = measure.wrap(text, right - left - 2 * PAD, HEADER_SIZE, bold=True)
        headers.append(Box(f"header:{kind}", 0, wrapped, x=left, y=MARGIN, w=right - left, text_w=w,
                           text_h=h, fill=COLOURS[kind], size=HEADER_SIZE, centred=True))
    height = max(h.text_h for h in headers) + 2 * PAD
    for header in headers:
        header.h = height
    return headers


def _phase_boxes(c: Prisma, measure: _Measure) -> list[Box]:
    last = 6 if c.previous_studies is not None else 5
    phases = []
    for number, (name, first, final) in enumerate(
            (("Identification", 1, 1), ("Screening", 2, 4), ("Included", 5, last)), start=1):
        w, h = measure.extent(name, HEADER_SIZE, bold=True)
        phases.append(Box(f"phase{number}", first, name, x=MARGIN, w=PHASE_W, text_w=w, text_h=h,
                          fill=COLOURS["phase"], size=HEADER_SIZE, centred=True, rotated=True,
                          h=float(final)))  # h holds the last row until placed
    return phases


def _place_phases(phases: list[Box], boxes: list[Box], row_top: dict[int, float]) -> None:
    for phase in phases:
        last_row = int(phase.h)
        bottom = max(b.y + b.h for b in boxes if b.row == last_row and not b.column.startswith("header"))
        phase.y = row_top[phase.row]
        phase.h = bottom - phase.y


def _find(boxes: list[Box], column: str, row: int) -> Box | None:
    return next((b for b in boxes if b.column == column and b.row == row), None)


def _arrows(c: Prisma, result: Layout) -> list[list[tuple[float, float]]]:
    boxes = result.boxes
    arrows: list[list[tuple[float, float]]] = []

    def down(column: str, upper: int, lower: int) -> None:
        a, b = _find(boxes, column, upper), _find(boxes, column, lower)
        if a and b:
            x = a.x + a.w / 2
            arrows.append([(x, a.y + a.h), (x, b.y)])

    def across(left: str, right: str, row: int) -> None:
        a, b = _find(boxes, left, row), _find(boxes, right, row)
        if a and b:
            y = a.y + a.h / 2
            arrows.append([(a.x + a.w, y), (b.x, y)])

    for row in (1, 2, 3, 4, 5):
        down("A", row, row + 1)
    for row in (1, 2, 3, 4):
        across("A", "B", row)
    if c.other_methods is not None:
        down("C", 1, 3)
        down("C", 3, 4)
        across("C", "D", 3)
        across("C", "D", 4)
        source, target = _find(boxes, "C", 4), _find(boxes, "A", 5)
        assert source and target
        x, y = source.x + source.w / 2, target.y + target.h / 2
        arrows.append([(x, source.y + source.h), (x, y), (target.x + target.w, y)])
    if c.previous_studies is not None:
        source, target = _find(boxes, "P", 1), _find(boxes, "A", 6)
        assert source and target
        x, y = source.x + source.w / 2, target.y + target.h / 2
        arrows.append([(x, source.y + source.h), (x, y), (target.x, y)])
    return arrows


def draw(c: Prisma, fmt: str) -> bytes:
    """The diagram as SVG or PNG bytes."""
    plan = layout(c)
    figure = Figure(figsize=(plan.width, plan.height), dpi=DPI)

    def at(x: float, y: float) -> tuple[float, float]:  # top-down inches -> figure inches
        return x, plan.height - y

    inches = figure.dpi_scale_trans
    for box in plan.boxes + ([plan.note] if plan.note else []):
        _draw_box(figure, box, at)
    for points in plan.arrows:
        path = [at(x, y) for x, y in points]
        for start, end in zip(path[:-2], path[1:-1]):
            figure.add_artist(FancyArrowPatch(start, end, arrowstyle="-", lw=0.9, color="black",
                                              transform=inches, shrinkA=0, shrinkB=0))
        figure.add_artist(FancyArrowPatch(path[-2], path[-1], arrowstyle="-|>", mutation_scale=10, lw=0.9,
                                          color="black", transform=inches, shrinkA=0, shrinkB=0))
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "litreview-prisma"}):
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None,
                       facecolor="white")
    if fmt == "svg":
        return buffer.getvalue().replace(f"font-family: '{FONT}'".encode(),
                                         f"font-family: '{FONT}', {SVG_FALLBACK}".encode())
    return buffer.getvalue()


def _draw_box(figure: Figure, box: Box, at: Callable[[float, float], tuple[float, float]]) -> None:
    inches = figure.dpi_scale_trans
    x, y = at(box.x, box.y + box.h)
    if box.fill != "none":
        rounded = box.column.startswith(("header", "phase"))
        patch = (FancyBboxPatch((x, y), box.w, box.h, boxstyle="round,pad=0,rounding_size=0.06", fc=box.fill,
                                ec="none" if box.column.startswith("phase") else "black", lw=0.9,
                                transform=inches)
                 if rounded else Rectangle((x, y), box.w, box.h, fc=box.fill, ec="black", lw=0.9,
                                           transform=inches))
        figure.add_artist(patch)
    weight = "bold" if box.column.startswith(("header", "phase")) else "normal"
    if box.centred:
        tx, ty = at(box.x + box.w / 2, box.y + box.h / 2)
        figure.text(tx, ty, box.text, ha="center", va="center", fontsize=box.size, family=FONT,
                    weight=weight, rotation=90 if box.rotated else 0, transform=inches, linespacing=1.3,
                    multialignment="center")
    else:
        inset = PAD if box.fill != "none" else 0
        tx, ty = at(box.x + inset, box.y + inset)
        figure.text(tx, ty, box.text, ha="left", va="top", fontsize=box.size, family=FONT, weight=weight,
                    transform=inches, linespacing=1.3, style="italic" if box.column == "note" else "normal")
