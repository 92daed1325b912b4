"""Screening: decisions, stages, reviewers, conflicts, resolution, audit trail (agreement between
reviewers: `agreement`; decisions to and from another library: `exchange`).

Two stages: title/abstract ('ta') and full text ('ft'). Each needs 1 or 2 independent decisions
(setting screening.reviewers, e.g. "2" or "ta=2,ft=1"); reviewers are blinded until a record is
resolved. Disagreement makes a conflict that a named reviewer resolves. A record goes to full
text when its ta outcome is include (or maybe, unless screening.maybe = exclude).

Decisions belong to the study, i.e. to the dedup cluster (a canonical record and the duplicates
merged into it). A decision is stored on the record it was made on, and a cluster's state is the
union of its members' decisions, whichever record is canonical: a merge or an `update` that brings
a PubMed copy of a screened study changes nothing a reviewer decided, and a split leaves each
decision with the record it was made on. Copies decided differently (one included, another
excluded) are a conflict, never settled by which record won. A decision taken on a record that
has merged duplicates is the reviewer's word on the whole study (scope 'cluster'): it supersedes
their own earlier votes on the copies.

Contract used by prisma: `screening_flow(library) -> ScreeningFlow` lists, for the canonical
records (one per study), which PRISMA 2020 screening box each falls in.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from litreview import settings as settings_registry
from litreview.errors import ScreeningError as ScreeningError  # re-exported: callers use sc.ScreeningError
from litreview.store import Library
from litreview.store import ranking as ranking_store
from litreview.store import screening as store


class _Named(str, Enum):
    """A str-based enum: members equal (and print as) their value, so callers passing strings
    keep working."""

    def __str__(self) -> str:
        return str(self.value)


class Stage(_Named):
    TA = "ta"
    FT = "ft"


class Decision(_Named):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"


class Status(_Named):
    """Where a study stands at one stage."""
    AWAITING = "awaiting"
    DECIDED = "decided"
    CONFLICT = "conflict"
    RESOLVED = "resolved"


class Kind(_Named):
    SCREEN = "screen"
    RESOLVE = "resolve"


class Scope(_Named):
    RECORD = "record"
    CLUSTER = "cluster"


class Event(_Named):
    """Screening-state changes that are not decisions, kept in the audit trail."""
    MERGED = "merged"
    SPLIT = "split"
    LEFT_CLUSTER = "left cluster"
    CONFLICT = "conflict"
    FORCED = "forced"
    COUNTS = "counts"


STAGES = tuple(stage.value for stage in Stage)
STAGE_NAMES = {Stage.TA.value: "title/abstract", Stage.FT.value: "full text"}
DECISIONS = tuple(decision.value for decision in Decision)
NO_REASON = "no reason given"
SETTLED = (Status.DECIDED, Status.RESOLVED)


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
    if stage == Stage.FT and decision == Decision.EXCLUDE and not reason:
        reasons = f" (one of: {', '.join(settings.reasons)})" if settings.reasons else ""
        raise ScreeningError(f"a full-text exclusion needs --reason{reasons}")
    if reason and settings.reasons and reason not in settings.reasons:
        raise ScreeningError(f"unknown reason {reason!r}; the review's reasons are "
                             f"{', '.join(settings.reasons)} (setting screening.reasons)")


def decide(library: Library, ref: str | int, decision: str, stage: str = "ta",
           reviewer: str | None = None, reason: str | None = None, *, force: bool = False) -> int:
    """Record a reviewer's decision on a study (committed at once); returns the record id.

    Re-deciding title/abstract once full-text decisions exist needs force=True and is logged."""
    settings = load_settings(library)
    reviewer = check_reviewer(settings, reviewer)
    check_decision(settings, stage, decision, reason)
    record_id = library.resolve(ref)
    forced = None
    if stage == Stage.FT:
        _require_full_text_stage(library, record_id, settings)
        _refuse_include_not_retrieved(library, record_id, decision)
    else:
        forced = _full_text_already_decided(library, record_id, settings, force)
    with library.transaction():
        store.insert_decision(library, record_id, stage, reviewer, decision, reason,
                              scope=_scope(library, record_id))
        store.mark_not_new(library, record_id)
        if forced:
            store.insert_event(library, Event.FORCED, record_id, reviewer,
                               f"title/abstract re-decided ({decision}) with --force after {forced}")
    return record_id


def _scope(library: Library, record_id: int) -> Scope:
    return Scope.CLUSTER if store.cluster_size(library, record_id) > 1 else Scope.RECORD


def _require_full_text_stage(library: Library, record_id: int, settings: ScreeningSettings) -> None:
    state = record_state(library, record_id, Stage.TA, settings)
    if not passes_title_abstract(state.outcome, settings):
        raise ScreeningError(f"record {record_id} has not been included at title/abstract; "
                             "it cannot be screened at full text yet")


def _refuse_include_not_retrieved(library: Library, record_id: int, decision: str) -> None:
    text = store.latest_fulltext(library, record_id)
    if decision == Decision.INCLUDE and text is not None and not text[0]:
        raise ScreeningError(f"record {record_id}: its full text is recorded as not retrieved; a report "
                             f"nobody read cannot be included (record where it is first: litreview "
                             f"fulltext {record_id} --retrieved PATH_OR_URL)")


def _full_text_already_decided(library: Library, record_id: int, settings: ScreeningSettings, force: bool,
                               doing: str = "re-deciding its title/abstract stage") -> str | None:
    """What was decided at full text, if anything: a title/abstract decision (or undoing one)
    then needs force."""
    state = record_state(library, record_id, Stage.FT, settings)
    if not state.votes and state.resolution is None:
        return None
    done = ", ".join(f"{d} by {who}" for who, (d, _) in state.votes.items())
    if state.resolution:
        done = ", ".join(filter(None, (done, f"resolved {state.resolution[0]} by {state.resolution[2]}")))
    if not force:
        raise ScreeningError(f"record {record_id} has been decided at full text ({done}); {doing} "
                             "changes what full text assessed: give --force to do it anyway (it is logged)")
    return f"full-text decisions ({done})"


def passes_title_abstract(outcome: str | None, settings: ScreeningSettings) -> bool:
    return outcome == Decision.INCLUDE or (outcome == Decision.MAYBE and settings.maybe_passes)


def undo(library: Library, reviewer: str | None, stage: str = "ta", *, force: bool = False) -> dict[str, Any]:
    """Undo the reviewer's last decision at this stage; it stays in the audit trail, marked undone.
    Undoing a title/abstract decision of a study decided at full text needs force=True and is
    logged, as re-deciding it is."""
    settings = load_settings(library)
    reviewer = check_reviewer(settings, reviewer)
    with library.transaction():
        last = store.last_active(library, reviewer, stage)
        if last is None:
            raise ScreeningError(f"{reviewer} has no {STAGE_NAMES[stage]} decision to undo")
        forced = None
        if stage == Stage.TA:
            forced = _full_text_already_decided(
                library, last["record_id"], settings, force,
                doing=f"undoing {reviewer}'s title/abstract decision ({last['decision']})")
        store.mark_undone(library, last["id"])
        if forced:
            store.insert_event(library, Event.FORCED, last["record_id"], reviewer, f"title/abstract "
                               f"decision ({last['decision']}) undone with --force after {forced}")
    return last


def record_fulltext(library: Library, ref: str | int, retrieved: bool, location: str | None,
                    reviewer: str | None = None) -> int:
    """Whether the study's full-text report was retrieved (and where). Not retrieved is refused
    once the study was included at full text: an included report was read."""
    record_id = library.resolve(ref)
    settings = load_settings(library)
    _require_full_text_stage(library, record_id, settings)
    if retrieved and not location:
        raise ScreeningError("--retrieved needs the path or URL of the report")
    if not retrieved:
        included = [who for who, (d, _) in record_state(library, record_id, Stage.FT, settings).votes.items()
                    if d == Decision.INCLUDE]
        if included:
            raise ScreeningError(f"record {record_id} was included at full text (by {', '.join(included)}); "
                                 "undo that decision before recording the report as not retrieved")
    with library.transaction():
        store.insert_fulltext(library, record_id, retrieved, location, reviewer)
    return record_id


def tag(library: Library, ref: str | int, name: str, reviewer: str | None = None,
        remove: bool = False) -> int:
    """Add (or remove) a free tag on a study; tags are not decisions and never block a stage."""
    if not name.strip():
        raise ScreeningError("a tag needs a name")
    record_id = library.resolve(ref)
    with library.transaction():
        if remove:
            if not store.remove_tag(library, record_id, name.strip()):
                held = store.tags_of(library, record_id)
                raise ScreeningError(f"record {record_id} has no tag {name.strip()!r} (its tags: "
                                     f"{', '.join(repr(t) for t in held) or 'none'}): nothing removed")
        else:
            store.add_tag(library, record_id, name.strip(), reviewer)
    return record_id


def add_note(library: Library, ref: str | int, text: str, reviewer: str | None = None) -> int:
    record_id = library.resolve(ref)
    with library.transaction():
        store.insert_note(library, record_id, reviewer, text)
    return record_id


def tags(library: Library, ref: str | int) -> list[str]:
    """The study's tags (on any of its copies)."""
    return store.tags_of(library, library.resolve(ref))


def notes(library: Library, ref: str | int) -> list[tuple[str | None, str]]:
    """(reviewer, text) of the study's notes (on any of its copies), oldest first."""
    return store.notes_of(library, library.resolve(ref))


# -- states ----------------------------------------------------------------------------------

@dataclass
class StageState:
    """A study's state at one stage, from the decisions on every copy of it.

    votes: each reviewer's latest vote; member_votes: every vote that counts, with the record it
    was made on (record_id, reviewer, decision, reason); conflict: why it is in conflict."""
    record_id: int
    stage: str
    votes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    resolution: tuple[str, str | None, str] | None = None
    outcome: str | None = None
    reason: str | None = None
    status: str = Status.AWAITING
    member_votes: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    conflict: str | None = None

    @property
    def in_conflict(self) -> bool:
        return self.status == Status.CONFLICT


def stage_states(library: Library, stage: str,
                 settings: ScreeningSettings | None = None) -> dict[int, StageState]:
    """The state of every study (canonical record) at a stage, from the current decisions."""
    settings = settings or load_settings(library)
    states = {rid: StageState(rid, stage) for rid in store.canonical_ids(library)}
    states.update((cid, state) for cid, state in _decided_states(library, stage, settings).items()
                  if cid in states)
    return states


def _decided_states(library: Library, stage: str, settings: ScreeningSettings) -> dict[int, StageState]:
    """States of the studies that carry decisions at this stage (the others await screening)."""
    by_cluster: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in store.cluster_decisions(library, stage):
        by_cluster[row["cluster_id"]].append(row)
    return {cid: _state(cid, stage, rows, settings.reviewers[stage]) for cid, rows in by_cluster.items()}


def record_state(library: Library, record_id: int, stage: str,
                 settings: ScreeningSettings | None = None) -> StageState:
    """One study's state at a stage (what a key press needs; stage_states reads them all). The
    state's record_id is the cluster's canonical record."""
    settings = settings or load_settings(library)
    rows = store.decisions_in_cluster(library, record_id, stage)
    return _state(store.cluster_of(library, record_id), stage, rows, settings.reviewers[stage])


def _state(cluster_id: int, stage: str, rows: list[dict[str, Any]], required: int) -> StageState:
    if len(rows) == 1 and rows[0]["kind"] == Kind.SCREEN and not rows[0]["undone"]:
        return _single_vote_state(cluster_id, stage, rows[0], required)
    state = StageState(cluster_id, stage)
    votes, resolution = _current_votes(rows)
    state.member_votes = [(v["record_id"], v["reviewer"], v["decision"], v["reason"]) for v in votes]
    state.votes = {v["reviewer"]: (v["decision"], v["reason"]) for v in votes}
    if resolution is not None:
        state.resolution = (resolution["decision"], resolution["reason"], resolution["reviewer"])
        _settle_resolved(state, votes, resolution)
    else:
        _settle(state, votes, required)
    return state


def _single_vote_state(cluster_id: int, stage: str, vote: dict[str, Any], required: int) -> StageState:
    """Most studies carry one vote: the same state as _state's, without its bookkeeping (the
    screener's start-up and PRISMA read tens of thousands)."""
    decided = required <= 1
    return StageState(cluster_id, stage, votes={vote["reviewer"]: (vote["decision"], vote["reason"])},
                      outcome=vote["decision"] if decided else None,
                      reason=vote["reason"] if decided else None,
                      status=Status.DECIDED if decided else Status.AWAITING,
                      member_votes=[(vote["record_id"], vote["reviewer"], vote["decision"], vote["reason"])])


def _current_votes(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Each reviewer's latest vote per record (a vote on the whole cluster replaces their votes on
    every copy), and the latest resolution. Rows come oldest first."""
    current: dict[tuple[int, str], dict[str, Any]] = {}
    resolution = None
    for row in rows:
        if row["undone"]:
            continue
        if row["kind"] == Kind.RESOLVE:
            resolution = row
            continue
        if row.get("scope") == Scope.CLUSTER:
            for key in [k for k in current if k[1] == row["reviewer"]]:
                del current[key]
        current[(row["record_id"], row["reviewer"])] = row
    return sorted(current.values(), key=lambda r: r["id"]), resolution


def _settle_resolved(state: StageState, votes: list[dict[str, Any]], resolution: dict[str, Any]) -> None:
    """A resolution outranks the votes it saw: those on its own record, and every older vote when
    it was taken on the whole cluster. A copy decided otherwise that it did not see reopens the
    conflict."""
    def seen(vote: dict[str, Any]) -> bool:
        return vote["record_id"] == resolution["record_id"] or (
            resolution.get("scope") == Scope.CLUSTER and vote["id"] < resolution["id"])
    unseen = [v for v in votes if not seen(v) and v["decision"] != resolution["decision"]]
    if unseen:
        state.status = Status.CONFLICT
        state.conflict = ("resolved " + resolution["decision"] + f" on record {resolution['record_id']}, "
                          "but a copy was decided otherwise: " + _describe(unseen))
        return
    state.outcome, state.reason = resolution["decision"], resolution["reason"]
    state.status = Status.RESOLVED


def _settle(state: StageState, votes: list[dict[str, Any]], required: int) -> None:
    contradicting = _reviewers_contradicting_themselves(votes)
    decisions = {v["decision"] for v in votes}
    reasons = {v["reason"] for v in votes if v["reason"]}
    if contradicting:
        state.conflict = "copies of the study decided differently: " + _describe(
            [v for v in votes if v["reviewer"] in contradicting])
    elif len(state.votes) < required:
        state.status = Status.AWAITING
        return
    elif len(decisions) > 1:
        state.conflict = "reviewers disagree: " + _describe(votes)
    elif decisions == {Decision.EXCLUDE.value} and len(reasons) > 1:
        state.conflict = "different exclusion reasons: " + _describe(votes)
    else:
        state.outcome = decisions.pop()
        state.reason = next((v["reason"] for v in votes if v["reason"]), None)
        state.status = Status.DECIDED
        return
    state.status = Status.CONFLICT


def _reviewers_contradicting_themselves(votes: list[dict[str, Any]]) -> set[str]:
    seen: dict[str, set[str]] = defaultdict(set)
    for vote in votes:
        seen[vote["reviewer"]].add(vote["decision"])
    return {reviewer for reviewer, decisions in seen.items() if len(decisions) > 1}


def _describe(votes: list[dict[str, Any]]) -> str:
    """'ana include on record 7, ben exclude (wrong design) on record 12'"""
    return ", ".join(f"{v['reviewer']} {v['decision']}" + (f" ({v['reason']})" if v["reason"] else "")
                     + f" on record {v['record_id']}" for v in votes)


def earlier_decisions(library: Library, record_id: int) -> list[dict[str, Any]]:
    """Decisions made on the records merged into this one (they count for the study: see
    record_state, which takes them with the canonical record's own)."""
    return store.decisions_on_members(library, record_id)


def conflicts(library: Library, stage: str = "ta") -> list[StageState]:
    """Studies in conflict at a stage, by canonical record id."""
    states = _decided_states(library, stage, load_settings(library))
    return [states[cid] for cid in sorted(states) if states[cid].in_conflict]


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
        store.insert_decision(library, record_id, stage, reviewer, decision, reason, kind=Kind.RESOLVE,
                              scope=_scope(library, record_id))
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
    ta, ft = stage_states(library, Stage.TA, settings), stage_states(library, Stage.FT, settings)
    texts = store.latest_fulltexts(library)
    flow = ScreeningFlow()
    for record_id, state in ta.items():
        if state.status not in SETTLED:
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
    if state.status in SETTLED and state.outcome in (Decision.INCLUDE, Decision.EXCLUDE):
        flow.reports_assessed.append(record_id)
        if state.outcome == Decision.INCLUDE:
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
    states = stage_states(library, Stage.TA)
    if status == "maybe":
        return [i for i, s in states.items() if s.outcome == Decision.MAYBE]
    if status == "conflict":
        return sorted({s.record_id for stage in Stage for s in conflicts(library, stage)})
    raise ScreeningError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


# -- order -----------------------------------------------------------------------------------

ORDERS = ("random", "year", "title", "priority")


def screening_order(library: Library, reviewer: str, stage: str, order: str = "random") -> list[int]:
    """Studies this reviewer still has to decide, in a stable per-reviewer random order (or by
    year or title). 'priority', ranked by a model of the decisions so far, is ranking.py's
    priority_order, which ranks this list: it builds on this module, not this on it.
    A study is offered while it awaits decisions and this reviewer has not decided
    any copy of it: one that has as many reviewers as the stage needs (or is in conflict, or
    resolved) is not offered to another. Full text lists only studies that passed title/abstract."""
    if order == "priority":
        raise ScreeningError("the priority order is the ranking model's: screening.ranking.priority_order")
    if order not in ORDERS:
        raise ScreeningError(f"unknown order {order!r}; expected {', '.join(ORDERS)}")
    settings = load_settings(library)
    if stage == Stage.FT:
        ta = stage_states(library, Stage.TA, settings)
        candidates = [i for i, s in ta.items() if passes_title_abstract(s.outcome, settings)]
    else:
        candidates = store.canonical_ids(library)
    closed = {cid for cid, s in _decided_states(library, stage, settings).items()
              if s.status != Status.AWAITING}
    done = closed | store.clusters_decided_by(library, reviewer, stage)
    todo = [i for i in candidates if i not in done]
    if order == "random":
        def key(i: int) -> str:
            return hashlib.sha1(f"{settings.seed}:{reviewer}:{i}".encode()).hexdigest()
        return sorted(todo, key=key)
    wanted = set(todo)
    return [i for i in store.canonical_ids_by(library, order) if i in wanted]


# -- merges and splits ----------------------------------------------------------------------

@dataclass
class ScreeningSnapshot:
    """What a merge or split can change, taken before it: each member of a screened cluster
    (record -> (cluster, carries screening rows)), the counts, and the records in conflict."""
    members: dict[int, tuple[int, bool]]
    counts: dict[str, int]
    in_conflict: dict[str, set[int]]


@dataclass
class ClusterChanges:
    """What a dedup run, split or detach did to screening state (decisions never move: the
    clusters they count for do)."""
    command: str
    carried: list[int] = field(default_factory=list)
    kept_apart: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    new_conflicts: list[tuple[str, int]] = field(default_factory=list)
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    copies_joined: bool = False
    """Screened copies, screened as separate studies, now one study (not in conflict)."""

    @property
    def lowered(self) -> bool:
        return any(self.after.get(k, 0) < n for k, n in self.before.items())

    def lines(self) -> list[str]:
        """What a person needs to hear, one line each (nothing when nothing changed)."""
        out = []
        if self.carried:
            out.append(f"{_count(self.carried, 'screened record')} merged into clusters; decisions carried "
                       f"over ({_ids(self.carried)})")
        if self.kept_apart:
            keeps = "keeps its" if len(self.kept_apart) == 1 else "keep their"
            out.append(f"{_count(self.kept_apart, 'screened record')} taken out of clusters {keeps} own "
                       f"decisions ({_ids(self.kept_apart)})")
        if self.left:
            awaits = "awaits" if len(self.left) == 1 else "await"
            out.append(f"{_count(self.left, 'record')} taken out of screened clusters now {awaits} screening "
                       f"({_ids(self.left)}); the decisions stay with the records they were made on")
        if self.new_conflicts:
            where = ", ".join(f"record {cid} ({STAGE_NAMES[stage]})" for stage, cid in self.new_conflicts)
            out.append(f"{_count(self.new_conflicts, 'new conflict')} between copies of a study decided "
                       f"differently: {where}; see litreview screen conflicts")
        change = _changed(self.before, self.after)
        if change:
            why = []
            if self.new_conflicts:
                why.append("a study in conflict awaits screening until resolved")
            if any(self.after.get(k, 0) < n for k, n in self.before.items() if k.startswith(OTHER_ARM)):
                why.append("studies found by other methods were found by a database search too: "
                           "they count in the databases arm")
            if self.copies_joined or not why:
                why.append("copies of one study count once")
            out.append(f"screening counts changed: {', '.join(change)} ({'; '.join(why)})")
        return out


def _count(items: list[Any], noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def _ids(ids: list[int], most: int = 10) -> str:
    """'record 4', 'records 1, 3', 'records 1, ..., 10 and 2 more'."""
    shown = ", ".join(str(i) for i in ids[:most])
    return ("record " if len(ids) == 1 else "records ") + shown + (
        f" and {len(ids) - most} more" if len(ids) > most else "")


def screening_snapshot(library: Library) -> ScreeningSnapshot:
    """Take before a merge or split (cheap when nothing is screened)."""
    members = store.screened_cluster_members(library)
    if not members:
        return ScreeningSnapshot({}, {}, {})
    return ScreeningSnapshot(members, _counts(library), _records_in_conflict(library, members))


COUNTED_BOXES = ("screened", "excluded_screening", "reports_sought", "reports_not_retrieved",
                 "reports_assessed", "included")
"""The PRISMA boxes a merge or split must not change without saying so (awaiting_* follow)."""
_BOX_NAMES = {"excluded_screening": "excluded at title/abstract", "included": "studies included"}


OTHER_ARM = "other methods: "
"""Prefix of the other-methods arm's boxes (the databases arm's have none)."""


def _counts(library: Library) -> dict[str, int]:
    """The counted boxes of each PRISMA arm (studies included: both arms, as the template's)."""
    from litreview.prisma.arms import other_method_studies  # deferred: importing it runs prisma's __init__

    flow = screening_flow(library)
    other = other_method_studies(library)
    counts: dict[str, int] = {}
    for prefix, in_arm in (("", lambda i: i not in other), (OTHER_ARM, lambda i: i in other)):
        if prefix and not other:
            continue
        for box in COUNTED_BOXES:
            if box != "included":
                name = prefix + _BOX_NAMES.get(box, box.replace("_", " "))
                counts[name] = sum(1 for i in getattr(flow, box) if in_arm(i))
        counts[prefix + "reports excluded"] = sum(1 for ids in flow.reports_excluded.values()
                                                  for i in ids if in_arm(i))
    counts["studies included"] = len(flow.included)
    return counts


def _changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """'screened 3 -> 1', for every box that changed (a box one side lacks counts 0)."""
    names = list(before) + [k for k in after if k not in before]
    return [f"{k} {before.get(k, 0)} -> {after.get(k, 0)}" for k in names
            if before.get(k, 0) != after.get(k, 0)]


def _records_in_conflict(library: Library, members: dict[int, tuple[int, bool]]) -> dict[str, set[int]]:
    """stage -> the records carrying screening rows whose study is in conflict."""
    found: dict[str, set[int]] = {}
    for stage in STAGES:
        clusters = {s.record_id for s in conflicts(library, stage)}
        found[stage] = {r for r, (c, held) in members.items() if held and c in clusters}
    return found


def screening_changes(library: Library, before: ScreeningSnapshot, command: str) -> ClusterChanges:
    """Compare with the snapshot taken before `command` merged or split records; what changed is
    written to the audit trail (screening events) and returned for the command to say."""
    changes = ClusterChanges(command)
    if not before.members:
        return changes
    after = store.screened_cluster_members(library)
    was, now = _copies(before.members), _copies(after)
    outside = [r for r in before.members if r not in after]
    removed = set(outside) - store.existing_ids(library, outside)  # by an undone run
    for record_id, (_, held) in sorted(before.members.items()):
        if record_id in removed:
            continue
        if not held:
            if record_id not in after:
                changes.left.append(record_id)
        elif now[record_id] - was[record_id]:
            changes.carried.append(record_id)
        elif len(now[record_id]) == 1 < len(was[record_id]):
            changes.kept_apart.append(record_id)
    changes.before, changes.after = before.counts, _counts(library)
    conflicted = _records_in_conflict(library, after)
    for stage in STAGES:
        fresh = {after[r][0] for r in conflicted[stage] - before.in_conflict.get(stage, set())}
        changes.new_conflicts += [(stage, cid) for cid in sorted(fresh)]
    in_conflict = {cid for _, cid in changes.new_conflicts}
    joined = Counter(after[r][0] for r in changes.carried if after[r][1])
    changes.copies_joined = any(n > 1 for cid, n in joined.items() if cid not in in_conflict)
    _log_changes(library, changes, after)
    return changes


def _copies(members: dict[int, tuple[int, bool]]) -> dict[int, frozenset[int]]:
    """record id -> every record of its cluster (itself included)."""
    clusters: dict[int, set[int]] = defaultdict(set)
    for record_id, (cluster, _) in members.items():
        clusters[cluster].add(record_id)
    return {r: frozenset(clusters[c]) for r, (c, _) in members.items()}


def _log_changes(library: Library, changes: ClusterChanges, after: dict[int, tuple[int, bool]]) -> None:
    with library.transaction():
        for record_id in changes.carried:
            store.insert_event(library, Event.MERGED, record_id, None,
                               f"{changes.command}: merged into the cluster of record {after[record_id][0]}; "
                               "its decisions count for that study")
        for record_id in changes.kept_apart:
            store.insert_event(library, Event.SPLIT, record_id, None,
                               f"{changes.command}: taken out of its cluster; keeps its own decisions")
        for record_id in changes.left:
            store.insert_event(library, Event.LEFT_CLUSTER, record_id, None,
                               f"{changes.command}: taken out of a screened cluster; awaits screening")
        for stage, cluster in changes.new_conflicts:
            store.insert_event(library, Event.CONFLICT, cluster, None,
                               f"{changes.command}: copies decided differently at {STAGE_NAMES[stage]}")
        if _changed(changes.before, changes.after):
            store.insert_event(library, Event.COUNTS, None, None, f"{changes.command}: " + ", ".join(
                _changed(changes.before, changes.after)))


@dataclass
class DecisionSnapshot:
    """PRISMA's counted boxes and the studies in conflict at each stage, before another
    reviewer's decisions are merged in (`screen import`)."""
    counts: dict[str, int]
    in_conflict: dict[str, set[int]]


def decision_snapshot(library: Library) -> DecisionSnapshot:
    return DecisionSnapshot(_counts(library), {stage: {s.record_id for s in conflicts(library, stage)}
                                               for stage in STAGES})


def decision_changes(library: Library, before: DecisionSnapshot, command: str) -> list[str]:
    """What merging decisions in did to screening: new conflicts and every PRISMA box that moved,
    one line each (none when nothing did); written to the audit trail too."""
    after = _counts(library)
    new = [(stage, cid) for stage in STAGES
           for cid in sorted({s.record_id for s in conflicts(library, stage)} - before.in_conflict[stage])]
    change = _changed(before.counts, after)
    out = []
    if new:
        where = ", ".join(f"record {cid} ({STAGE_NAMES[stage]})" for stage, cid in new)
        out.append(f"{_count(new, 'new conflict')}: {where}; see litreview screen conflicts")
    if change:
        why = " (a study in conflict awaits screening until resolved)" if new else ""
        out.append(f"screening counts changed: {', '.join(change)}{why}")
    with library.transaction():
        for stage, cid in new:
            store.insert_event(library, Event.CONFLICT, cid, None,
                               f"{command}: the reviewers' decisions differ at {STAGE_NAMES[stage]}")
        if change:
            store.insert_event(library, Event.COUNTS, None, None, f"{command}: " + ", ".join(change))
    return out


def audit_events(library: Library, ref: str | int | None = None) -> list[dict[str, Any]]:
    """Screening events (merges, splits, forced re-decisions), of one study or all; of all, the
    stopping rule's events too (its random sample began; the reviewers stopped screening), each
    with the rule, its parameters and its statistic, oldest first."""
    if ref is not None:
        return store.events(library, library.resolve(ref))
    rule_events = [_stopping_event(e) for e in ranking_store.stopping_events(library)]
    return sorted(store.events(library) + rule_events, key=lambda e: str(e["created_at"]))


def _stopping_event(event: dict[str, Any]) -> dict[str, Any]:
    what = ("stopping rule: random sample began" if event["event"] == "sample"
            else "screening stopped on the rule")
    stage = STAGE_NAMES.get(event["stage"], event["stage"])
    parameters = ", ".join(f"{k}={v}" for k, v in event["parameters"].items() if v is not None)
    statistic = ", ".join(f"{k}={v}" for k, v in event["statistic"].items())
    return {"id": event["id"], "event": what, "record_id": None, "reviewer": event["reviewer"],
            "detail": f"{stage}: {parameters}; statistic: {statistic}",
            "created_at": event["created_at"], "stage": event["stage"],
            "parameters": event["parameters"], "statistic": event["statistic"]}
