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

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from litreview import settings
from litreview.errors import StoppingError

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
