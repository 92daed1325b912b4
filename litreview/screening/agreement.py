"""Agreement between reviewers: Cohen's kappa with its 95% CI and percent agreement, per stage and
per pair of reviewers, measured on the studies two reviewers both decided (`litreview screen
stats`, the web app's overview)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from litreview.screening.decisions import (
    DECISIONS,
    SETTLED,
    STAGES,
    Stage,
    StageState,
    load_settings,
    passes_title_abstract,
    stage_states,
)
from litreview.store import Library


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
    passed: set[int] = set()
    for stage in STAGES:
        states = stage_states(library, stage, settings)
        if stage == Stage.TA:
            passed = {cid for cid, s in states.items()
                      if s.status in SETTLED and passes_title_abstract(s.outcome, settings)}
        counts = Counter(vote[2] for s in states.values() for vote in s.member_votes)
        by_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for state in states.values():
            for item in _compared_items(state):
                names = sorted(item)
                for i, a in enumerate(names):
                    for b in names[i + 1:]:
                        by_pair[(a, b)].append((item[a], item[b]))
        everyone = [p for ps in by_pair.values() for p in ps]
        overall = cohen_kappa(everyone)
        result[stage] = {
            **_agreement_dict(overall),
            "counts": {d: counts.get(d, 0) for d in DECISIONS},
            "outcomes": dict(Counter(s.status for cid, s in states.items()
                                     if stage == Stage.TA or cid in passed)),  # at full text: what passed
            "pairs": {f"{a}|{b}": _agreement_dict(cohen_kappa(ps)) for (a, b), ps in by_pair.items()},
        }
    return result


def _compared_items(state: StageState) -> list[dict[str, str]]:
    """What two reviewers' agreement is measured on: the study, each reviewer's one vote on it
    (made on whichever copy); where a reviewer voted on several copies of it, each copy on its
    own, so that no vote is dropped or paired with a vote on another copy."""
    by_reviewer: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for record_id, reviewer, decision, _ in state.member_votes:
        by_reviewer[reviewer].append((record_id, decision))
    if all(len(votes) == 1 for votes in by_reviewer.values()):
        return [{reviewer: votes[0][1] for reviewer, votes in by_reviewer.items()}]
    by_record: dict[int, dict[str, str]] = defaultdict(dict)
    for reviewer, votes in by_reviewer.items():
        for record_id, decision in votes:
            by_record[record_id][reviewer] = decision
    return [by_record[record_id] for record_id in sorted(by_record)]


def _agreement_dict(agreement: Agreement) -> dict[str, Any]:
    return {"n_both": agreement.n_both, "agreement": agreement.agreement, "kappa": agreement.kappa,
            "kappa_ci": list(agreement.kappa_ci) if agreement.kappa_ci else None}
