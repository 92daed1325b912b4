"""The Screen page: one record at a time, a key a decision, at title/abstract or full text."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from litreview.errors import LitreviewError, RecordNotFound
from litreview.records import Record, is_retracted
from litreview.screening import decisions as sc
from litreview.selection import kept_record
from litreview.store import Library, catalogue
from litreview.store import screening as screening_store
from litreview.store import web as web_store
from litreview.web import text
from litreview.web.app import retrying, site
from litreview.web.queue import Progress, ReviewerOrder


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "home", home)
    bp.add_url_rule("/screen/<stage>", "screen", next_record)
    bp.add_url_rule("/screen/<stage>/<int:record_id>", "record", show_record)
    bp.add_url_rule("/screen/<stage>/<int:record_id>/decide", "decide", decide, methods=["POST"])
    bp.add_url_rule("/screen/<stage>/undo", "undo", undo, methods=["POST"])
    bp.add_url_rule("/records/<int:record_id>/note", "note", add_note, methods=["POST"])
    bp.add_url_rule("/records/<int:record_id>/tag", "tag", add_tag, methods=["POST"])


def home() -> Response:
    return redirect(url_for("r.screen", stage="ta"), code=303)


def _stage(stage: str) -> str:
    if stage not in sc.STAGES:
        abort(404)
    return stage


def _after() -> int | None:
    value = request.args.get("after", "")
    return int(value) if value.isdigit() else None


def next_record(stage: str) -> Any:
    stage = _stage(stage)
    library = site().library()
    record_id = site().queues.next_record(library, _order(library, stage), _after())
    if record_id is None:
        return render_template("done.html", stage=stage, progress=_progress(library, stage),
                               page=f"screen-{stage}")
    return _render(library, stage, record_id)


def show_record(stage: str, record_id: int) -> Any:
    stage = _stage(stage)
    library = site().library()
    if web_store.is_canonical(library, record_id) is None:
        abort(404)
    return _render(library, stage, record_id)


def _order(library: Library, stage: str) -> ReviewerOrder:
    """The reviewer's order, checked against the library once per request."""
    orders: dict[str, ReviewerOrder] = g.setdefault("orders", {})
    if stage not in orders:
        orders[stage] = site().queues.order(library, g.reviewer, stage)
    return orders[stage]


def _progress(library: Library, stage: str) -> Progress:
    return site().queues.progress(library, _order(library, stage))


def _render(library: Library, stage: str, record_id: int, error: str | None = None, status: int = 200) -> Any:
    record = kept_record(library, record_id)  # with the fields dedup filled from its copies
    include, exclude = site().keywords(library)
    settings = sc.load_settings(library)
    own = sc.record_state(library, record_id, stage, settings).votes.get(g.reviewer)
    context = {
        "page": f"screen-{stage}", "stage": stage, "record": record, "error": error,
        "title": text.marked(record.title or "(no title)", include, exclude),
        "sections": [(s.label, text.marked(s.text, include, exclude)) for s in record.abstract_sections],
        "abstract": text.marked(record.abstract, include, exclude),
        "venue": text.venue(record), "links": text.links(record),
        "own_vote": own, "progress": _progress(library, stage), "reasons": settings.reasons,
        "order_note": _order(library, stage).note, "stopping": _order(library, stage).stopping,
        "tags": sc.tags(library, record_id), "include_words": include, "exclude_words": exclude,
        # Blinding: only this reviewer's notes and earlier decisions, never a colleague's.
        "notes": [t for who, t in sc.notes(library, record_id) if who == g.reviewer],
        "earlier": [d for d in sc.earlier_decisions(library, record_id)
                    if d["stage"] == stage and d["reviewer"] == g.reviewer],
        "merged_into": record.canonical_id,
        "retraction": _retraction(library, record),
        "fulltext": screening_store.latest_fulltext(library, record_id) if stage == "ft" else None,
    }
    return render_template("screen.html", **context), status


def _retraction(library: Library, record: Record) -> text.Retraction | None:
    """The banner's content when PubMed marks the record, or another copy of the study, as
    retracted (as the terminal screener and `litreview show` say it)."""
    canonical = record.canonical_id or record.id or 0
    copies = [record] + [library.get(i) for i in catalogue.cluster_members(library, canonical)
                         if i != record.id]
    if record.canonical_id:
        copies.append(library.get(record.canonical_id))
    marked = [copy for copy in copies if is_retracted(copy)]
    return text.retraction(marked) if marked else None


def decide(stage: str, record_id: int) -> Any:
    stage = _stage(stage)
    library = site().library()
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip() or None
    try:
        retrying(lambda: sc.decide(library, record_id, decision, stage, g.reviewer, reason))
    except RecordNotFound:
        abort(404)
    except LitreviewError as exc:
        return _render(library, stage, record_id, error=str(exc), status=400)
    site().queues.count_decision(g.reviewer, stage)
    return redirect(url_for("r.screen", stage=stage, after=record_id), code=303)


def undo(stage: str) -> Any:
    stage = _stage(stage)
    library = site().library()
    try:
        row = retrying(lambda: sc.undo(library, g.reviewer, stage))
    except LitreviewError as exc:
        return render_template("done.html", stage=stage, progress=_progress(library, stage),
                               page=f"screen-{stage}", error=str(exc)), 400
    return redirect(url_for("r.record", stage=stage, record_id=row["record_id"]), code=303)


def _back(record_id: int) -> str:
    """Where to go after a note or tag: the page it came from, if it is one of ours."""
    stage = request.form.get("stage", "ta")
    return url_for("r.record", stage=stage if stage in sc.STAGES else "ta", record_id=record_id)


def add_note(record_id: int) -> Any:
    library = site().library()
    note = request.form.get("text", "").strip()
    if note:
        try:
            retrying(lambda: sc.add_note(library, record_id, note, g.reviewer))
        except RecordNotFound:
            abort(404)
    return redirect(_back(record_id), code=303)


def add_tag(record_id: int) -> Any:
    library = site().library()
    name = request.form.get("name", "").strip()
    remove = request.form.get("remove") == "1"
    if name:
        try:
            retrying(lambda: sc.tag(library, record_id, name, g.reviewer, remove))
        except RecordNotFound:
            abort(404)
    return redirect(_back(record_id), code=303)
