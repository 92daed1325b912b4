"""When may screening in priority order stop? A rule whose claim is statistical.

The default rule is Callaghan & Müller-Hansen (2020, Systematic Reviews 9:254): after the ranked
phase, screen a uniformly random sample of the records left unscreened (the urn) and, after each
record of it, test the hypothesis "recall is below the target" with the hypergeometric distribution.
With r_AL includes found before the sample, k in a sample of n from an urn of N_s records, the
hypothesis means the urn held at least K_tar = floor((r_AL + k) / recall - r_AL) + 1 includes; the
p-value is P(X <= k) for X ~ Hypergeometric(N_s, K_tar, n). Screening may stop when p < 1 - confidence:
then recall >= target holds with that confidence. The records the rule spares are those of the urn
never drawn.

When the random sample starts does not affect the guarantee, only the work saved: it starts once
`sample_after` consecutive ranked records were excludes (by default 5% of the records, at least 20).

A heuristic is offered by name only (`rule=consecutive-excludes`): stop after N excludes in a row.
It states no guarantee and is never the default.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np

from litreview import settings
from litreview.errors import StoppingError
from litreview.store import Library
from litreview.store import ranking as ranking_store
from litreview.store import screening as screening_store

HYPERGEOMETRIC = "hypergeometric"
CONSECUTIVE_EXCLUDES = "consecutive-excludes"
RULES = (HYPERGEOMETRIC, CONSECUTIVE_EXCLUDES)
SETTING = "screening.stopping"
SETTING_HELP = ('stopping rule for priority screening: "recall=0.95,confidence=0.95" (Callaghan & '
                'Müller-Hansen 2020; optional sample_after=N), or the heuristic '
                '"rule=consecutive-excludes,n=100"; empty: no rule')
CITATION = "Callaghan & Müller-Hansen (2020), Systematic Reviews 9:254"


@dataclass(frozen=True)
class StoppingRule:
    rule: str = HYPERGEOMETRIC
    recall: Fraction = Fraction(95, 100)
    confidence: Fraction = Fraction(95, 100)
    sample_after: int | None = None
    """Consecutive ranked excludes before the random sample starts (None: 5% of the records, >= 20)."""
    n: int = 100
    """The heuristic's run of excludes."""

    def sample_trigger(self, total: int) -> int:
        if self.sample_after is not None:
            return self.sample_after
        return max(20, math.ceil(0.05 * total))

    @property
    def alpha(self) -> float:
        return float(1 - self.confidence)

    def describe(self) -> str:
        if self.rule == CONSECUTIVE_EXCLUDES:
            return f"heuristic: stop after {self.n} consecutive excludes (no statistical guarantee)"
        return (f"recall >= {float(self.recall):.0%} with {float(self.confidence):.0%} confidence "
                f"(hypergeometric test on a random sample of the unscreened records, {CITATION})")

    def parameters(self) -> dict[str, Any]:
        if self.rule == CONSECUTIVE_EXCLUDES:
            return {"rule": self.rule, "n": self.n}
        return {"rule": self.rule, "recall": float(self.recall), "confidence": float(self.confidence),
                "sample_after": self.sample_after}


DEFAULT_RULE = StoppingRule()


def _setting_value(text: str) -> StoppingRule | None:
    """The review's rule, or None when no rule is set (screening goes on to the last record)."""
    if not text.strip():
        return None
    try:
        return parse_rule(text)
    except StoppingError as exc:
        raise ValueError(str(exc).removeprefix(f"{SETTING}: ")) from None


STOPPING = settings.declare(SETTING, SETTING_HELP, default="", parse=_setting_value)


def parse_rule(text: str) -> StoppingRule:
    """'recall=0.95,confidence=0.95[,sample_after=N]' or 'rule=consecutive-excludes,n=100'."""
    values: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not value.strip():
            raise StoppingError(f"{SETTING}: {part!r} is not key=value; expected e.g. "
                                '"recall=0.95,confidence=0.95"')
        values[key.strip().lower()] = value.strip()
    rule = values.pop("rule", HYPERGEOMETRIC)
    if rule not in RULES:
        raise StoppingError(f"{SETTING}: unknown rule {rule!r}; expected {' or '.join(RULES)}")
    allowed = {"n"} if rule == CONSECUTIVE_EXCLUDES else {"recall", "confidence", "sample_after"}
    unknown = set(values) - allowed
    if unknown:
        raise StoppingError(f"{SETTING}: unknown key(s) {', '.join(sorted(unknown))} for rule {rule}; "
                            f"expected {', '.join(sorted(allowed))}")
    if rule == CONSECUTIVE_EXCLUDES:
        return StoppingRule(rule=rule, n=_count(values.get("n", "100"), "n"))
    return StoppingRule(recall=_share(values.get("recall", "0.95"), "recall"),
                        confidence=_share(values.get("confidence", "0.95"), "confidence"),
                        sample_after=_count(values["sample_after"], "sample_after")
                        if "sample_after" in values else None)


def _share(value: str, key: str) -> Fraction:
    try:
        share = Fraction(value)
    except (ValueError, ZeroDivisionError):
        share = Fraction(-1)
    if not 0 < share < 1:
        raise StoppingError(f"{SETTING}: {key}={value!r}; expected a number between 0 and 1, e.g. 0.95")
    return share


def _count(value: str, key: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise StoppingError(f"{SETTING}: {key}={value!r}; expected a whole number of records (>= 1)")
    return int(value)


# -- the test -------------------------------------------------------------------------------------

def p_text(p: float, alpha: float) -> str:
    """A p value for people: 3 decimals, more where rounding would carry it across alpha (0.04997
    is '0.04997', never '0.050' beside 'rejected at the 0.05 level')."""
    for digits in range(3, 10):
        text = f"{p:.{digits}f}"
        if (float(text) < alpha) == (p < alpha) and (float(text) > 0 or p == 0):
            return text
    return f"{p:.3g}"


def k_target(found_before: int, found_in_sample: np.ndarray | int, recall: Fraction) -> np.ndarray:
    """The fewest includes the urn must have held for recall to be below target (exact arithmetic)."""
    seen = np.asarray(found_before + np.asarray(found_in_sample), dtype=np.int64)
    return np.asarray([math.floor(Fraction(int(s)) / recall - found_before) + 1 for s in seen.ravel()],
                      dtype=np.int64).reshape(seen.shape)


def p_values(urn: int, found_before: int, sampled: np.ndarray, found: np.ndarray,
             recall: Fraction) -> np.ndarray:
    """P(X <= k), X ~ Hypergeometric(urn, K_tar, n), for each (n, k); 0 where K_tar > urn (recall
    below target would need more includes than the urn holds)."""
    from scipy.stats import hypergeom  # a third of a second to import: only when a test is run

    targets = k_target(found_before, found, recall)
    possible = targets <= urn
    result = np.zeros(len(sampled))
    if possible.any():
        result[possible] = hypergeom.cdf(found[possible], urn, targets[possible], sampled[possible])
    return result


@dataclass(frozen=True)
class RecallEstimate:
    """What the random sample says of recall so far: a point estimate, and the lower bound the
    test's confidence allows (the test rejects "recall < target" exactly when lower >= target)."""

    estimate: float
    lower: float
    most_missed: int
    """The most includes the urn's unsampled records can hold at that confidence."""


def recall_estimate(urn: int, found_before: int, sampled: int, found: int,
                    confidence: Fraction) -> RecallEstimate | None:
    """Recall of the includes found so far (`found_before` before the sample, `found` in a random
    sample of `sampled` from an urn of `urn` records): the estimate extrapolates the sample's
    share of includes to the urn's unsampled records; the lower bound is the one-sided bound from
    the same hypergeometric distribution as the test: the urn held at most K includes, K the
    largest with P(X <= found) >= 1 - confidence. None before any include (recall undefined)."""
    from scipy.stats import hypergeom

    seen = found_before + found
    if seen == 0:
        return None
    left = urn - sampled
    guess = found / sampled * left if sampled else 0.0
    held = np.arange(found, found + left + 1)  # the includes the urn may have held
    p = hypergeom.cdf(found, urn, held, sampled) if sampled else np.ones(len(held))
    most = int(held[p >= float(1 - confidence)].max())  # P(X <= found) = 1 when it held `found`
    return RecallEstimate(seen / (seen + guess), seen / (found_before + most), most - found)


def percent_text(share: float, target: float) -> str:
    """A share as a percentage for people: one decimal, more where rounding would carry it across
    the target (a bound of 94.96% is never '95.0%' beside a target of 95%)."""
    for digits in range(1, 8):
        text = f"{share * 100:.{digits}f}"
        if (float(text) / 100 >= target) == (share >= target):
            return f"{text}%"
    return f"{share:.6%}"


@dataclass
class StopOutcome:
    """Where the replayed rule stopped (None: it never did; everything was screened)."""

    stopped_at: int | None
    found_at_stop: int
    statistic: dict[str, Any] = field(default_factory=dict)


def sample_start(labels: np.ndarray, after: int, earliest: int = 0) -> int | None:
    """Records screened when `after` consecutive excludes first close the ranked phase (from the
    `earliest` record on, with at least one include found), or None."""
    run = 0
    found = 0
    for position, label in enumerate(labels.tolist(), start=1):
        found += label
        run = 0 if label else run + 1
        if position > earliest and found and run >= after:
            return position
    return None


def replay_stop(ranked: np.ndarray, rule: StoppingRule, rng: np.random.Generator,
                priors: int = 0) -> StopOutcome:
    """Replay the rule on labels in priority order: the ranked phase follows that order; the
    sample is a random permutation of the records not yet screened when it starts."""
    total = int(ranked.sum())
    if rule.rule == CONSECUTIVE_EXCLUDES:
        stop = sample_start(ranked, rule.n, priors)
        found_then = total if stop is None else int(ranked[:stop].sum())
        return StopOutcome(stop, found_then, {"rule": rule.rule, "n": rule.n})
    start = sample_start(ranked, rule.sample_trigger(len(ranked)), priors)
    if start is None:
        return StopOutcome(None, total, {"rule": rule.rule, "sample_started_at": None})
    before = int(ranked[:start].sum())
    sample = rng.permutation(ranked[start:])
    sampled = np.arange(1, len(sample) + 1)
    found = np.cumsum(sample)
    p = p_values(len(sample), before, sampled, found, rule.recall)
    hits = np.flatnonzero(p < rule.alpha)
    statistic: dict[str, Any] = {"rule": rule.rule, "recall": float(rule.recall),
                                 "confidence": float(rule.confidence), "sample_started_at": start,
                                 "urn": len(sample), "found_before_sample": before}
    if not len(hits):
        return StopOutcome(None, total, statistic)
    m = int(hits[0])
    statistic.update(sample_size=m + 1, found_in_sample=int(found[m]), p_value=float(p[m]))
    return StopOutcome(start + m + 1, before + int(found[m]), statistic)


# -- the rule in a library ------------------------------------------------------------------------

class Phase(str, Enum):
    NO_RULE = "no rule"
    RANKED = "ranked"
    SAMPLING = "sampling"
    MAY_STOP = "may stop"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class StoppingState:
    """Where screening at a stage stands against the review's stopping rule (what `screen stats`,
    the terminal and the web screener show)."""

    stage: str
    rule: StoppingRule | None
    phase: Phase
    records: int
    screened: int
    includes: int
    sample_urn: int = 0
    sample_screened: int = 0
    sample_includes: int = 0
    p_value: float | None = None
    recall: RecallEstimate | None = None
    """The sample's estimate of recall so far (from the first sampled record on)."""
    not_screened: list[int] = field(default_factory=list)
    """Records left unscreened because screening stopped on the rule's word."""

    @property
    def left(self) -> int:
        return self.records - self.screened

    def statistic(self) -> dict[str, Any]:
        return {"records": self.records, "screened": self.screened, "includes": self.includes,
                "sample_urn": self.sample_urn, "sample_screened": self.sample_screened,
                "sample_includes": self.sample_includes, "p_value": self.p_value,
                "recall_estimate": self.recall.estimate if self.recall else None,
                "recall_lower_bound": self.recall.lower if self.recall else None,
                "includes_missed_at_most": self.recall.most_missed if self.recall else None}

    def message(self) -> str:
        """One line for a reviewer: counts, and what the rule says."""
        counts = (f"{self.screened} of {self.records} records screened, {self.left} left, "
                  f"{self.includes} includes")
        return f"{counts}; {self.says()}"

    def says(self) -> str:
        rule = self.rule
        if rule is None or self.phase == Phase.NO_RULE:
            return ("no stopping rule set (litreview settings set screening.stopping "
                    "recall=0.95,confidence=0.95)")
        if self.phase == Phase.STOPPED:
            at_stop = ""
            if rule.rule == HYPERGEOMETRIC and self.p_value is not None:
                at_stop = (f" at {self.sample_screened} of {self.sample_urn} sampled, "
                           f"{self.sample_includes} includes{self._estimate_text()}, "
                           f"p = {p_text(self.p_value, rule.alpha)}")
            return (f"screening stopped on the rule ({rule.describe()}){at_stop}; "
                    f"{len(self.not_screened)} records not screened")
        if rule.rule == CONSECUTIVE_EXCLUDES:
            verdict = "may stop" if self.phase == Phase.MAY_STOP else "keep screening"
            return f"{rule.describe()}: {verdict}"
        if self.phase == Phase.RANKED:
            return (f"ranked phase; the rule's random sample of the unscreened records starts after "
                    f"{rule.sample_trigger(self.records)} excludes in a row")
        sample = (f"random sample: {self.sample_screened} of {self.sample_urn} records screened, "
                  f"{self.sample_includes} includes{self._estimate_text()}, "
                  f"p = {p_text(self.p_value or 0.0, rule.alpha)}")
        if self.phase == Phase.MAY_STOP:
            return (f"{sample} < {rule.alpha:g}: recall >= {float(rule.recall):.0%} with "
                    f"{float(rule.confidence):.0%} confidence; screening may stop "
                    "(litreview screen stop --reviewer NAME)")
        return f"{sample}; keep screening the sample"


    def _estimate_text(self) -> str:
        if self.recall is None or self.rule is None:
            return ""
        target = float(self.rule.recall)
        return (f"; estimated recall {percent_text(self.recall.estimate, target)}, at least "
                f"{percent_text(self.recall.lower, target)} with {float(self.rule.confidence):.0%} "
                "confidence")


def review_rule(library: Library) -> StoppingRule | None:
    """The review's stopping rule (setting screening.stopping), or None."""
    rule: StoppingRule | None = settings.value(library, SETTING)
    return rule


def _settled(library: Library, stage: str) -> tuple[list[int], dict[int, int], list[int]]:
    """(candidate studies at the stage, settled study -> 0/1 in the order settled, unsettled)."""
    from litreview.screening import decisions  # decisions declares settings this module reads

    config = decisions.load_settings(library)
    states = decisions.stage_states(library, stage, config)
    if stage == decisions.Stage.FT:
        ta = decisions.stage_states(library, decisions.Stage.TA, config)
        states = {i: s for i, s in states.items() if decisions.passes_title_abstract(ta[i].outcome, config)}
    last: dict[int, int] = {}
    for row in screening_store.cluster_decisions(library, stage):
        last[row["cluster_id"]] = row["id"]
    settled = sorted((i for i, s in states.items() if s.status in decisions.SETTLED),
                     key=lambda i: last.get(i, 0))
    included = {i: int(states[i].outcome == decisions.Decision.INCLUDE
                       or (states[i].outcome == decisions.Decision.MAYBE and config.maybe_passes))
                for i in settled}
    return list(states), included, [i for i, s in states.items() if s.status not in decisions.SETTLED]


def _trigger_reached(labels: list[int], after: int) -> bool:
    return sum(labels) > 0 and len(labels) >= after and not any(labels[-after:])


def state(library: Library, stage: str = "ta") -> StoppingState:
    """The rule's state at a stage, from the decisions and the stopping events."""
    rule = review_rule(library)
    studies, settled, unsettled = _settled(library, stage)
    labels = list(settled.values())
    result = StoppingState(stage, rule, Phase.NO_RULE, len(studies), len(settled), sum(labels))
    stopped = ranking_store.latest_stopping_event(library, stage, "stop")
    if stopped is not None:
        result.phase = Phase.STOPPED
        result.rule = rule or _rule_of(stopped["parameters"])
        result.not_screened = _still_unscreened(stopped["urn"] or [], unsettled)
        at_stop = stopped["statistic"]  # the sample's figures when the reviewers stopped
        result.sample_urn = int(at_stop.get("sample_urn") or 0)
        result.sample_screened = int(at_stop.get("sample_screened") or 0)
        result.sample_includes = int(at_stop.get("sample_includes") or 0)
        result.p_value = at_stop.get("p_value")
        if at_stop.get("recall_lower_bound") is not None:
            result.recall = RecallEstimate(at_stop["recall_estimate"], at_stop["recall_lower_bound"],
                                           int(at_stop["includes_missed_at_most"]))
        return result
    if rule is None:
        return result
    if rule.rule == CONSECUTIVE_EXCLUDES:
        result.phase = Phase.MAY_STOP if _trigger_reached(labels, rule.n) else Phase.RANKED
        return result
    sample = ranking_store.latest_stopping_event(library, stage, "sample")
    if sample is None:
        result.phase = Phase.RANKED
        return result
    urn = sample["urn"] or []
    before = int(sample["statistic"]["found_before_sample"])
    drawn = [settled[i] for i in urn if i in settled]
    result.sample_urn, result.sample_screened, result.sample_includes = len(urn), len(drawn), sum(drawn)
    result.p_value = float(p_values(len(urn), before, np.array([len(drawn)]), np.array([sum(drawn)]),
                                    rule.recall)[0]) if drawn else 1.0
    if drawn:
        result.recall = recall_estimate(len(urn), before, len(drawn), sum(drawn), rule.confidence)
    result.phase = Phase.MAY_STOP if result.p_value < rule.alpha else Phase.SAMPLING
    result.not_screened = [i for i in unsettled if i in set(urn)]
    return result


def _rule_of(parameters: dict[str, Any]) -> StoppingRule:
    """The rule a stop was taken under, from the parameters written with it."""
    text = ",".join(f"{k}={v}" for k, v in parameters.items() if v is not None)
    return parse_rule(text)


def _still_unscreened(left: list[int], unsettled: list[int]) -> list[int]:
    """The records left unscreened at the stop that still are (not decided since, not merged away)."""
    open_now = set(unsettled)
    return [i for i in left if i in open_now]


def not_screened(library: Library, stage: str = "ta") -> list[int]:
    """Records not screened because screening stopped on the rule (empty until it has)."""
    stopped = ranking_store.latest_stopping_event(library, stage, "stop")
    if stopped is None:
        return []
    return _still_unscreened(stopped["urn"] or [], _settled(library, stage)[2])


def begin_sample_if_due(library: Library, stage: str, rule: StoppingRule) -> bool:
    """Start the random sample of the unscreened records when the ranked phase has reached the
    rule's run of excludes (once per stage); True when it started now."""
    if rule.rule != HYPERGEOMETRIC:
        return False
    if ranking_store.latest_stopping_event(library, stage, "sample") is not None:
        return False
    studies, settled, unsettled = _settled(library, stage)
    labels = list(settled.values())
    if not unsettled or not _trigger_reached(labels, rule.sample_trigger(len(studies))):
        return False
    with library.transaction():
        if ranking_store.latest_stopping_event(library, stage, "sample") is not None:
            return False  # another reviewer's screener started it meanwhile
        ranking_store.insert_stopping_event(
            library, stage, "sample", None, rule.rule, rule.parameters(),
            {"found_before_sample": sum(labels), "screened_before_sample": len(labels),
             "urn": len(unsettled)},
            unsettled)
    return True


def sample_order(library: Library, stage: str, todo: Sequence[int]) -> list[int]:
    """The records of `todo` in the rule's random sample, in its random order (the same for every
    reviewer: seeded by the sample's id), or [] when no sample has begun."""
    sample = ranking_store.latest_stopping_event(library, stage, "sample")
    if sample is None or ranking_store.latest_stopping_event(library, stage, "stop") is not None:
        return []
    urn = set(sample["urn"] or [])

    def key(i: int) -> str:
        return hashlib.sha1(f"stopping-sample:{sample['id']}:{i}".encode()).hexdigest()
    return sorted((i for i in todo if i in urn), key=key)


def stop(library: Library, reviewer: str, stage: str = "ta") -> StoppingState:
    """The reviewers stop screening on the rule's word: written to the audit trail with the rule,
    its parameters and its statistic. Refused unless the rule says screening may stop."""
    now = state(library, stage)
    if now.rule is None:
        raise StoppingError("no stopping rule is set; set one first: litreview settings set "
                            'screening.stopping "recall=0.95,confidence=0.95"')
    if now.phase == Phase.STOPPED:
        raise StoppingError("screening has already been stopped at this stage")
    if now.phase != Phase.MAY_STOP:
        raise StoppingError(f"the stopping rule does not allow stopping yet: {now.says()}")
    left = now.not_screened if now.rule.rule == HYPERGEOMETRIC else _settled(library, stage)[2]
    with library.transaction():
        ranking_store.insert_stopping_event(library, stage, "stop", reviewer, now.rule.rule,
                                            now.rule.parameters(), now.statistic(), left)
    return state(library, stage)


def statement(library: Library, stage: str = "ta") -> str | None:
    """The sentence for a methods section, once screening has stopped on the rule; else None."""
    stopped = ranking_store.latest_stopping_event(library, stage, "stop")
    if stopped is None:
        return None
    now = state(library, stage)
    p = stopped["parameters"]
    s = stopped["statistic"]
    if p["rule"] == CONSECUTIVE_EXCLUDES:
        return (f"Title and abstract screening was done in priority order (a linear SVM on TF-IDF features "
                f"retrained on the screening decisions) and stopped after {p['n']} consecutive excluded "
                f"records, a heuristic without a statistical guarantee; {s['screened']} of {s['records']} "
                f"records were screened and {len(now.not_screened)} were not.")
    return (f"Title and abstract screening was done in priority order (a linear SVM on TF-IDF features "
            f"retrained on the screening decisions). Screening stopped when a hypergeometric test on a "
            f"random sample of the unscreened records ({CITATION}) rejected, at the "
            f"{1 - p['confidence']:g} level, the hypothesis that recall was below {p['recall']:.0%}: "
            f"{s['sample_screened']} of the {s['sample_urn']} records left after the ranked phase were "
            f"screened at random and {s['sample_includes']} included "
            f"(p = {p_text(s['p_value'], 1 - p['confidence'])}){_statement_estimate(s, p)}. In all, "
            f"{s['screened']} of {s['records']} records were screened ({s['includes']} included); "
            f"{len(now.not_screened)} records were not screened.")


def _statement_estimate(statistic: dict[str, Any], parameters: dict[str, Any]) -> str:
    if statistic.get("recall_lower_bound") is None:
        return ""
    target = float(parameters["recall"])
    return (f"; the estimated recall was {percent_text(statistic['recall_estimate'], target)}, at least "
            f"{percent_text(statistic['recall_lower_bound'], target)} with "
            f"{float(parameters['confidence']):.0%} confidence")
