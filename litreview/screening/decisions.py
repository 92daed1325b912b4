"""Screening: decisions, stages, reviewers, conflicts, resolution, agreement, audit trail.

Two stages: title/abstract ('ta') and full text ('ft'). Each needs 1 or 2 independent decisions
(setting screening.reviewers, e.g. "2" or "ta=2,ft=1"); reviewers are blinded until a record is
resolved. Disagreement makes a conflict that a named reviewer resolves. A record goes to full
text when its ta outcome is include (or maybe, unless screening.maybe = exclude). Only canonical
records (not merged duplicates) are screened; decisions made on a record before it was merged
into another are shown as earlier decisions, never applied silently.

Contract used by prisma.py: `screening_flow(library) -> ScreeningFlow` lists, for the canonical
records, which PRISMA 2020 screening box each falls in.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litreview import settings as settings_registry
from litreview.errors import RecordNotFound, ScreeningError
from litreview.store import Library
from litreview.store import screening as store

STAGES = ("ta", "ft")
STAGE_NAMES = {"ta": "title/abstract", "ft": "full text"}
DECISIONS = ("include", "exclude", "maybe")
NO_REASON = "no reason given"


# -- settings --------------------------------------------------------------------------------

@dataclass
class ScreeningSettings:
    reviewers: dict[str, int] = field(default_factory=lambda: {"ta": 1, "ft": 1})
    reasons: list[str] = field(default_factory=list)
    maybe_passes: bool = True
    reviewer_names: list[str] = field(default_factory=list)
    include_keywords: list[str] = field(default_factory=list)
    exclude_keywords: list[str] = field(default_factory=list)
    seed: str = "litreview"


def _split(value: str) -> list[str]:
    return settings_registry.comma_list(value)


def _parse_reviewers(value: str) -> dict[str, int]:
    """'2' -> both stages need 2; 'ta=2,ft=1' per stage. ValueError says what is expected."""
    counts = {"ta": 1, "ft": 1}
    for part in _split(value):
        stage, sep, number = part.partition("=")
        if not sep:
            stage, number = "", part
        if not number.strip().isdigit() or int(number) not in (1, 2):
            raise ValueError(f"{part!r}; expected 1 or 2, or ta=N,ft=N")
        if stage and stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected ta or ft")
        for name in ([stage] if stage else STAGES):
            counts[name] = int(number)
    return counts


_declare = settings_registry.declare
_SCREENING_SETTINGS = (
    _declare("screening.reviewers", "independent decisions each stage needs: 1, 2, or ta=2,ft=1",
             default="1", parse=_parse_reviewers),
    _declare("screening.reasons", "comma-separated exclusion reasons (required at full text)",
             parse=settings_registry.comma_list),
    _declare("screening.maybe",
             "what a maybe means at title/abstract: include (goes on to full text) or exclude",
             default="include", parse=settings_registry.one_of("include", "exclude")),
    _declare("screening.reviewer_names", "comma-separated reviewer names allowed to screen (empty: anyone)",
             parse=settings_registry.comma_list),
    _declare("screening.include_keywords", "comma-separated words highlighted green in the screener",
             parse=settings_registry.comma_list),
    _declare("screening.exclude_keywords", "comma-separated words highlighted red in the screener",
             parse=settings_registry.comma_list),
    _declare("screening.seed", "seed of the per-reviewer random order", default="litreview"),
)
SETTING_HELP = {setting.key: setting.help for setting in _SCREENING_SETTINGS}
"""The screening keys and their meaning (every feature's keys: litreview.settings.registry())."""


def validate_setting(key: str, value: str) -> str:
    """Check any review setting before it is stored; SettingError says what is expected."""
    return settings_registry.validate(key, value)


def load_settings(library: Library) -> ScreeningSettings:
    def get(key: str) -> Any:
        return settings_registry.value(library, key)
    return ScreeningSettings(
        reviewers=get("screening.reviewers"), reasons=get("screening.reasons"),
        maybe_passes=get("screening.maybe") == "include", reviewer_names=get("screening.reviewer_names"),
        include_keywords=get("screening.include_keywords"),
        exclude_keywords=get("screening.exclude_keywords"), seed=get("screening.seed"))


# -- decisions -------------------------------------------------------------------------------

def check_reviewer(settings: ScreeningSettings, reviewer: str | None) -> str:
    if not reviewer:
        raise ScreeningError("no reviewer: give --reviewer NAME or set LITREVIEW_REVIEWER")
    if settings.reviewer_names and reviewer not in settings.reviewer_names:
        raise ScreeningError(f"unknown reviewer {reviewer!r}; the review's reviewers are "
                             f"{', '.join(settings.reviewer_names)} (setting screening.reviewer_names)")
    return reviewer


def check_decision(settings: ScreeningSettings, stage: str, decision: str, reason: str | None) -> None:
    if stage not in STAGES:
        raise ScreeningError(f"unknown stage {stage!r}; expected ta (title/abstract) or ft (full text)")
    if decision not in DECISIONS:
        raise ScreeningError(f"unknown decision {decision!r}; expected include, exclude or maybe")
    if stage == "ft" and decision == "exclude" and not reason:
        reasons = f" (one of: {', '.join(settings.reasons)})" if settings.reasons else ""
        raise ScreeningError(f"a full-text exclusion needs --reason{reasons}")
    if reason and settings.reasons and reason not in settings.reasons:
        raise ScreeningError(f"unknown reason {reason!r}; the review's reasons are "
                             f"{', '.join(settings.reasons)} (setting screening.reasons)")


def decide(library: Library, ref: str | int, decision: str, stage: str = "ta",
           reviewer: str | None = None, reason: str | None = None) -> int:
    """Record a reviewer's decision on a record (committed at once); returns the record id."""
    settings = load_settings(library)
    reviewer = check_reviewer(settings, reviewer)
    check_decision(settings, stage, decision, reason)
    record_id = library.resolve(ref)
    if stage == "ft":
        _require_full_text_stage(library, record_id, settings)
    with library.transaction():
        store.insert_decision(library, record_id, stage, reviewer, decision, reason)
        store.mark_not_new(library, record_id)
    return record_id


def _require_full_text_stage(library: Library, record_id: int, settings: ScreeningSettings) -> None:
    state = record_state(library, record_id, "ta", settings)
    if not passes_title_abstract(state.outcome, settings):
        raise ScreeningError(f"record {record_id} has not been included at title/abstract; "
                             "it cannot be screened at full text yet")


def passes_title_abstract(outcome: str | None, settings: ScreeningSettings) -> bool:
    return outcome == "include" or (outcome == "maybe" and settings.maybe_passes)


def undo(library: Library, reviewer: str | None, stage: str = "ta") -> dict[str, Any]:
    """Undo the reviewer's last decision at this stage; it stays in the audit trail, marked undone."""
    reviewer = check_reviewer(load_settings(library), reviewer)
    with library.transaction():
        last = store.last_active(library, reviewer, stage)
        if last is None:
            raise ScreeningError(f"{reviewer} has no {STAGE_NAMES[stage]} decision to undo")
        store.mark_undone(library, last["id"])
    return last


def record_fulltext(library: Library, ref: str | int, retrieved: bool, location: str | None,
                    reviewer: str | None = None) -> int:
    record_id = library.resolve(ref)
    _require_full_text_stage(library, record_id, load_settings(library))
    if retrieved and not location:
        raise ScreeningError("--retrieved needs the path or URL of the report")
    with library.transaction():
        store.insert_fulltext(library, record_id, retrieved, location, reviewer)
    return record_id


def tag(library: Library, ref: str | int, name: str, reviewer: str | None = None,
        remove: bool = False) -> int:
    """Add (or remove) a free tag on a record; tags are not decisions and never block a stage."""
    if not name.strip():
        raise ScreeningError("a tag needs a name")
    record_id = library.resolve(ref)
    with library.transaction():
        if remove:
            store.remove_tag(library, record_id, name.strip())
        else:
            store.add_tag(library, record_id, name.strip(), reviewer)
    return record_id


def add_note(library: Library, ref: str | int, text: str, reviewer: str | None = None) -> int:
    record_id = library.resolve(ref)
    with library.transaction():
        store.insert_note(library, record_id, reviewer, text)
    return record_id


# -- states ----------------------------------------------------------------------------------

@dataclass
class StageState:
    record_id: int
    stage: str
    votes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    resolution: tuple[str, str | None, str] | None = None
    outcome: str | None = None
    reason: str | None = None
    status: str = "awaiting"

    @property
    def in_conflict(self) -> bool:
        return self.status == "conflict"


def stage_states(library: Library, stage: str,
                 settings: ScreeningSettings | None = None) -> dict[int, StageState]:
    """The state of every canonical record at a stage, from the current decisions."""
    settings = settings or load_settings(library)
    states = {rid: StageState(rid, stage) for rid in store.canonical_ids(library)}
    for row in store.all_decisions(library, stage):
        state = states.get(row["record_id"])
        if state is not None:
            _apply(state, row)
    for state in states.values():
        _settle(state, settings.reviewers[stage])
    return states


def record_state(library: Library, record_id: int, stage: str,
                 settings: ScreeningSettings | None = None) -> StageState:
    """One record's state at a stage (what a key press needs; stage_states reads them all)."""
    settings = settings or load_settings(library)
    state = StageState(record_id, stage)
    for row in store.decisions_for(library, record_id, stage):
        _apply(state, row)
    _settle(state, settings.reviewers[stage])
    return state


def _apply(state: StageState, row: dict[str, Any]) -> None:
    if row["undone"]:
        return
    if row["kind"] == "resolve":
        state.resolution = (row["decision"], row["reason"], row["reviewer"])
    else:
        state.votes[row["reviewer"]] = (row["decision"], row["reason"])


def _settle(state: StageState, required: int) -> None:
    if state.resolution:
        state.outcome, state.reason, _ = state.resolution
        state.status = "resolved"
        return
    if len(state.votes) < required:
        state.status = "awaiting"
        return
    decisions = {d for d, _ in state.votes.values()}
    if len(decisions) == 1:
        state.outcome = decisions.pop()
        reasons = [r for _, r in state.votes.values() if r]
        state.reason = reasons[0] if reasons else None
        state.status = "decided"
    else:
        state.status = "conflict"


def earlier_decisions(library: Library, record_id: int) -> list[dict[str, Any]]:
    """Decisions made on records that were later merged into this one (shown, not applied)."""
    return store.decisions_on_members(library, record_id)


def conflicts(library: Library, stage: str = "ta") -> list[StageState]:
    return [s for s in stage_states(library, stage).values() if s.in_conflict]


def resolve(library: Library, ref: str | int, decision: str, stage: str = "ta",
            reviewer: str | None = None, reason: str | None = None) -> int:
    """A named reviewer settles a conflict; the resolution outranks the votes."""
    settings = load_settings(library)
    reviewer = check_reviewer(settings, reviewer)
    check_decision(settings, stage, decision, reason)
    record_id = library.resolve(ref)
    state = record_state(library, record_id, stage, settings)
    if not state.in_conflict:
        raise ScreeningError(f"record {record_id} is not in conflict at {STAGE_NAMES[stage]} "
                             f"(status: {state.status})")
    with library.transaction():
        store.insert_decision(library, record_id, stage, reviewer, decision, reason, kind="resolve")
    return record_id


# -- PRISMA flow -----------------------------------------------------------------------------

@dataclass
class ScreeningFlow:
    screened: list[int] = field(default_factory=list)
    awaiting_screening: list[int] = field(default_factory=list)
    excluded_screening: list[int] = field(default_factory=list)
    reports_sought: list[int] = field(default_factory=list)
    reports_not_retrieved: list[int] = field(default_factory=list)
    awaiting_retrieval: list[int] = field(default_factory=list)
    reports_assessed: list[int] = field(default_factory=list)
    awaiting_assessment: list[int] = field(default_factory=list)
    reports_excluded: dict[str, list[int]] = field(default_factory=dict)
    included: list[int] = field(default_factory=list)


def screening_flow(library: Library) -> ScreeningFlow:
    settings = load_settings(library)
    ta, ft = stage_states(library, "ta", settings), stage_states(library, "ft", settings)
    texts = store.latest_fulltexts(library)
    flow = ScreeningFlow()
    for record_id, state in ta.items():
        if state.status not in ("decided", "resolved"):
            flow.awaiting_screening.append(record_id)
            continue
        flow.screened.append(record_id)
        if passes_title_abstract(state.outcome, settings):
            flow.reports_sought.append(record_id)
            _full_text_box(flow, record_id, ft[record_id], texts.get(record_id))
        else:
            flow.excluded_screening.append(record_id)
    return flow


def _full_text_box(flow: ScreeningFlow, record_id: int, state: StageState,
                   text: tuple[bool, str | None] | None) -> None:
    if text is not None and not text[0]:
        flow.reports_not_retrieved.append(record_id)
        return
    if state.status in ("decided", "resolved") and state.outcome in ("include", "exclude"):
        flow.reports_assessed.append(record_id)
        if state.outcome == "include":
            flow.included.append(record_id)
        else:
            flow.reports_excluded.setdefault(state.reason or NO_REASON, []).append(record_id)
    elif text is None and not state.votes:
        flow.awaiting_retrieval.append(record_id)
    else:
        flow.awaiting_assessment.append(record_id)


STATUSES = ("included", "excluded", "maybe", "unscreened", "conflict")


def ids_with_status(library: Library, status: str) -> list[int]:
    """Record ids for export --status: included (at full text), excluded (at either stage, the
    full-text ones with reasons), maybe, unscreened (awaiting title/abstract), conflict."""
    flow = screening_flow(library)
    if status == "included":
        return flow.included
    if status == "excluded":
        return flow.excluded_screening + [i for ids in flow.reports_excluded.values() for i in ids]
    if status == "unscreened":
        return flow.awaiting_screening
    states = stage_states(library, "ta")
    if status == "maybe":
        return [i for i, s in states.items() if s.outcome == "maybe"]
    if status == "conflict":
        return [i for i, s in states.items() if s.in_conflict]
    raise ScreeningError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


# -- agreement -------------------------------------------------------------------------------

@dataclass
class Agreement:
    n_both: int
    agreement: float | None
    kappa: float | None
    kappa_ci: tuple[float, float] | None


def cohen_kappa(pairs: list[tuple[str, str]]) -> Agreement:
    """Cohen's kappa with the large-sample 95% CI of Cohen (1960): SE = sqrt(po(1-po)/(n(1-pe)^2)),
    cut to kappa's range [-1, 1] (with few pairs the normal approximation runs past it). Where the
    reviewers agreed on every record or on none, that SE is 0: no interval is given, rather than
    '1.00 to 1.00' after three records."""
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None, None)
    observed = sum(1 for a, b in pairs if a == b) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in set(first) | set(second)) / (n * n)
    if expected == 1:
        return Agreement(n, observed, None, None)
    kappa = (observed - expected) / (1 - expected)
    se = math.sqrt(observed * (1 - observed) / (n * (1 - expected) ** 2))
    if se == 0:
        return Agreement(n, observed, kappa, None)
    return Agreement(n, observed, kappa, (max(-1.0, kappa - 1.96 * se), min(1.0, kappa + 1.96 * se)))


def stats(library: Library) -> dict[str, Any]:
    """Per stage: agreement on records two reviewers both decided, per pair, and decision counts."""
    result: dict[str, Any] = {}
    settings = load_settings(library)
    for stage in STAGES:
        states = stage_states(library, stage, settings)
        counts = Counter(d for s in states.values() for d, _ in s.votes.values())
        by_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for state in states.values():
            names = sorted(state.votes)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    by_pair[(a, b)].append((state.votes[a][0], state.votes[b][0]))
        everyone = [p for ps in by_pair.values() for p in ps]
        overall = cohen_kappa(everyone)
        result[stage] = {
            **_agreement_dict(overall),
            "counts": {d: counts.get(d, 0) for d in DECISIONS},
            "outcomes": dict(Counter(s.status for s in states.values())),
            "pairs": {f"{a}|{b}": _agreement_dict(cohen_kappa(ps)) for (a, b), ps in by_pair.items()},
        }
    return result


def _agreement_dict(agreement: Agreement) -> dict[str, Any]:
    return {"n_both": agreement.n_both, "agreement": agreement.agreement, "kappa": agreement.kappa,
            "kappa_ci": list(agreement.kappa_ci) if agreement.kappa_ci else None}


# -- order -----------------------------------------------------------------------------------

def screening_order(library: Library, reviewer: str, stage: str, order: str = "random") -> list[int]:
    """Records this reviewer still has to decide, in a stable per-reviewer random order (or by
    year or title). Full text lists only records that passed title/abstract."""
    settings = load_settings(library)
    done = store.decided_ids(library, reviewer, stage)
    if stage == "ft":
        ta = stage_states(library, "ta", settings)
        candidates = [i for i, s in ta.items() if passes_title_abstract(s.outcome, settings)]
    else:
        candidates = store.canonical_ids(library)
    todo = [i for i in candidates if i not in done]
    if order == "random":
        def key(i: int) -> str:
            return hashlib.sha1(f"{settings.seed}:{reviewer}:{i}".encode()).hexdigest()
        return sorted(todo, key=key)
    column = {"year": "coalesce(year, 0), id", "title": "lower(title), id"}.get(order)
    if column is None:
        raise ScreeningError(f"unknown order {order!r}; expected random, year or title")
    wanted = set(todo)
    rows = library.db.execute(f"SELECT id FROM records WHERE canonical_id IS NULL ORDER BY {column}")
    return [r[0] for r in rows if r[0] in wanted]


# -- exchange --------------------------------------------------------------------------------

EXCHANGE_COLUMNS = ("record_id", "source_db", "source_key", "pmid", "doi", "stage", "reviewer",
                    "decision", "reason", "kind", "created_at", "undone")


def export_decisions(library: Library, path: Path) -> int:
    """Every decision (the whole audit trail) with the identifiers another library can match."""
    idents = store.record_identifiers(library)
    rows = store.all_decisions(library)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=EXCHANGE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            source_db, source_key, pmid, doi = idents[row["record_id"]]
            writer.writerow({**{k: row[k] for k in EXCHANGE_COLUMNS if k in row}, "source_db": source_db,
                             "source_key": source_key, "pmid": pmid, "doi": doi})
    return len(rows)


def import_decisions(library: Library, path: Path) -> tuple[int, int]:
    """Merge another library's decisions; rows already here are skipped. Returns (added, skipped)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as exc:
        raise ScreeningError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ScreeningError(f"{path}: not a decisions CSV from 'litreview screen export' ({exc})") from None
    missing = set(EXCHANGE_COLUMNS) - set(header)
    if missing:
        raise ScreeningError(f"{path}: not a decisions CSV from 'litreview screen export': "
                             f"missing columns {sorted(missing)}")
    existing = {(r["record_id"], r["stage"], r["reviewer"], r["decision"], r["created_at"], r["kind"])
                for r in store.all_decisions(library)}
    added = skipped = 0
    with library.transaction():
        for line, row in enumerate(rows, start=2):
            record_id = _match_record(library, row, path, line)
            if row["stage"] not in STAGES or row["decision"] not in DECISIONS:
                raise ScreeningError(f"{path}, line {line}: stage {row['stage']!r} / decision "
                                     f"{row['decision']!r} not understood")
            key = (record_id, row["stage"], row["reviewer"], row["decision"], row["created_at"], row["kind"])
            if key in existing:
                skipped += 1
                continue
            decision_id = store.insert_decision(library, record_id, row["stage"], row["reviewer"],
                                                row["decision"], row["reason"] or None,
                                                kind=row["kind"] or "screen", created_at=row["created_at"],
                                                origin=str(path))
            if row["undone"] in ("1", "True", "true"):
                store.mark_undone(library, decision_id)
            existing.add(key)
            added += 1
    return added, skipped


def _match_record(library: Library, row: dict[str, str], path: Path, line: int) -> int:
    for ref in (f"pmid:{row['pmid']}" if row.get("pmid") else None,
                f"doi:{row['doi']}" if row.get("doi") else None):
        if ref:
            try:
                return library.resolve(ref)
            except RecordNotFound:
                pass
    found = store.find_by_source(library, row.get("source_db"), row.get("source_key"))
    if found is None:
        where = f"{row.get('source_db')}:{row.get('source_key')}"
        raise ScreeningError(f"{path}, line {line}: no record here matches {where} "
                             f"(pmid {row.get('pmid') or '-'})")
    return found
