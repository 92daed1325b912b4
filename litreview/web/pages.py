"""Conflicts, Full text, Duplicates and Overview: the review's other desks."""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from litreview import dedup, prisma
from litreview.errors import LitreviewError, RecordNotFound
from litreview.screening import agreement
from litreview.screening import decisions as sc
from litreview.store import screening as screening_store
from litreview.web import text
from litreview.web.app import retrying, site

PAGE_SIZE = 50
_DRAWING = threading.Lock()
"""pyplot keeps global state: one diagram drawn at a time."""


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/conflicts/<stage>", "conflicts", conflicts)
    bp.add_url_rule("/conflicts/<stage>/<int:record_id>", "resolve", resolve, methods=["POST"])
    bp.add_url_rule("/fulltext", "fulltext", fulltext)
    bp.add_url_rule("/fulltext/<int:record_id>", "retrieval", retrieval, methods=["POST"])
    bp.add_url_rule("/duplicates", "duplicates", duplicates)
    bp.add_url_rule("/duplicates/<int:a>/<int:b>", "pair", decide_pair, methods=["POST"])
    bp.add_url_rule("/duplicates/apply", "apply", apply_pairs, methods=["POST"])
    bp.add_url_rule("/overview", "overview", overview)
    bp.add_url_rule("/prisma.svg", "prisma_svg", prisma_svg)


def _stage(stage: str) -> str:
    if stage not in sc.STAGES:
        abort(404)
    return stage


def _page() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


# -- conflicts -------------------------------------------------------------------------------

def conflicts(stage: str, error: str | None = None, status: int = 200) -> Any:
    """Records in conflict: every required vote is in, so showing them no longer sways anyone."""
    stage = _stage(stage)
    library = site().library()
    states = sc.conflicts(library, stage)
    page = _page()
    shown = states[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    rows = [(state, library.get(state.record_id)) for state in shown]
    return render_template("conflicts.html", page="conflicts", stage=stage, rows=rows, total=len(states),
                           page_number=page, pages=max(1, -(-len(states) // PAGE_SIZE)), error=error,
                           reasons=sc.load_settings(library).reasons), status


def resolve(stage: str, record_id: int) -> Any:
    stage = _stage(stage)
    library = site().library()
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip() or None
    try:
        retrying(lambda: sc.resolve(library, record_id, decision, stage, g.reviewer, reason))
    except RecordNotFound:
        abort(404)
    except LitreviewError as exc:
        return conflicts(stage, error=f"record {record_id}: {exc}", status=400)
    return redirect(url_for("r.conflicts", stage=stage), code=303)


# -- full text -------------------------------------------------------------------------------

def fulltext(error: str | None = None, status: int = 200) -> Any:
    """Reports sought (records past title/abstract): awaiting retrieval first."""
    library = site().library()
    flow = sc.screening_flow(library)
    located = screening_store.latest_fulltexts(library)
    waiting = set(flow.awaiting_retrieval)
    ordered = sorted(flow.reports_sought, key=lambda i: (i not in waiting, i))
    page = _page()
    rows = [(library.get(i), located.get(i)) for i in ordered[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]]
    return render_template("fulltext.html", page="fulltext", rows=rows, total=len(ordered),
                           waiting=len(waiting), page_number=page, error=error,
                           pages=max(1, -(-len(ordered) // PAGE_SIZE))), status


def retrieval(record_id: int) -> Any:
    library = site().library()
    retrieved = request.form.get("retrieved") == "1"
    location = request.form.get("location", "").strip() or None
    try:
        retrying(lambda: sc.record_fulltext(library, record_id, retrieved, location, g.reviewer))
    except RecordNotFound:
        abort(404)
    except LitreviewError as exc:
        return fulltext(error=f"record {record_id}: {exc}", status=400)
    return redirect(url_for("r.fulltext", page=request.form.get("page", "1")), code=303)


# -- duplicates ------------------------------------------------------------------------------

def duplicates(error: str | None = None, status: int = 200, notice: list[str] | None = None) -> Any:
    """The dedup review queue, one pair at a time, the fields that differ marked."""
    library = site().library()
    queue = dedup.review_queue(library)
    at = min(_page(), len(queue)) if queue else 0
    pair = None
    if queue:
        a, b = queue[at - 1]
        left, right = library.get(a), library.get(b)
        fields_a, fields_b = text.comparable(left), text.comparable(right)
        pair = {"a": left, "b": right, "fa": fields_a, "fb": fields_b,
                "differ": text.differing(fields_a, fields_b),
                "why": _why_queued(dedup.pair_detail(library, a, b))}
    return render_template("duplicates.html", page="duplicates", pair=pair, at=at, total=len(queue),
                           fields=text.COMPARED_FIELDS, error=error, notice=notice or []), status


def _why_queued(detail: dict[str, Any] | None) -> str:
    """'similar titles; no venue ... to compare; title similarity 0.93', as `dedup review` says it."""
    if not detail:
        return ""
    rule = (detail.get("reason") or {}).get("rule", "")
    scores = "".join(f"; {name} similarity {value:.2f}"
                     for name, value in (detail.get("scores") or {}).items())
    return f"{rule}{scores}"


def decide_pair(a: int, b: int) -> Any:
    library = site().library()
    answer = request.form.get("same")
    if answer not in ("1", "0"):
        abort(400)
    try:
        retrying(lambda: dedup.record_decision(library, a, b, same=answer == "1"))
    except LitreviewError as exc:
        return duplicates(error=str(exc), status=400)
    return redirect(url_for("r.duplicates", page=request.form.get("page", "1")), code=303)


def apply_pairs() -> Any:
    """Re-cluster with the reviewers' decisions (reads every record: seconds at 100,000). What
    that did to screening (copies merged or parted, new conflicts, PRISMA boxes) is said on the
    page and written to the audit trail, as `dedup review` says and writes it."""
    library = site().library()
    command = f"duplicates applied in the browser by {g.reviewer}"

    def apply() -> list[str]:
        before = sc.screening_snapshot(library)
        dedup.recluster(library)
        return sc.screening_changes(library, before, command).lines()

    said = retrying(apply)
    if not said:
        return redirect(url_for("r.duplicates"), code=303)
    return duplicates(notice=said)


# -- overview --------------------------------------------------------------------------------

def overview() -> Any:
    library = site().library()
    try:
        counts: prisma.Prisma | None = prisma.compute(library)
        problem = None
    except LitreviewError as exc:
        counts, problem = None, str(exc)
    queues = site().queues
    progress = {stage: queues.progress(library, queues.order(library, g.reviewer, stage))
                for stage in sc.STAGES}
    return render_template("overview.html", page="overview", counts=counts, problem=problem,
                           runs=library.runs(), stats=agreement.stats(library), progress=progress)


def prisma_svg() -> Response:
    """The PRISMA 2020 diagram drawn now from the library (an <img>, so nothing in it can run)."""
    from litreview.prisma.diagram import draw

    library = site().library()
    try:
        counts = prisma.compute(library)
    except LitreviewError:
        abort(409)
    with _DRAWING:
        svg = draw(counts, "svg")
    return Response(svg, mimetype="image/svg+xml")

