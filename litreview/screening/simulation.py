"""Replay a labelled data set as if a reviewer screened it in priority order (the evidence for the
model and the stopping rule: `litreview screen simulate`, benchmarks/bench_ranking.py).

The reviewer starts from N random includes and N random excludes (chosen by the seed), then takes
the record the model ranks first, retraining after every decision (as ASReview's simulation does)
until `batch_after` decisions, and after every `ceil(decisions / batch_divisor)` decisions beyond
that (a model trained on 1,000 decisions barely moves with the 1,001st). The stopping rule is
replayed on the same order: the ranked phase is identical up to the point the rule starts its
random sample, and the sample is drawn from what was left unscreened at that point.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from litreview.errors import RankingError
from litreview.screening.ranking import (
    DEFAULT_MODEL,
    ModelSettings,
    count_matrix,
    rank,
    record_text,
    relevance_scores,
    tfidf,
)
from litreview.screening.stopping import DEFAULT_RULE, StopOutcome, StoppingRule, replay_stop

ID_COLUMNS = ("record_id", "id")
KEYWORD_COLUMNS = ("keywords", "mesh")


@dataclass
class LabelledSet:
    """A screened review: record ids (the file's id column, else row numbers from 1), texts, 0/1."""

    path: Path
    ids: list[str]
    texts: list[str]
    labels: np.ndarray

    @property
    def includes(self) -> int:
        return int(self.labels.sum())


def read_labelled(path: Path, label: str = "label_included",
                  use_keywords: bool = DEFAULT_MODEL.use_keywords,
                  keywords_as_terms: bool = DEFAULT_MODEL.keywords_as_terms) -> LabelledSet:
    """Read a labelled CSV; RankingError names the file, line and what was expected."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
    except OSError as exc:
        raise RankingError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RankingError(f"{path}: not a readable CSV file ({exc})") from None
    if label not in header:
        raise RankingError(f"{path}: no label column {label!r} (columns: {', '.join(header) or 'none'});"
                           " give the 0/1 column with --label")
    if "title" not in header and "abstract" not in header:
        raise RankingError(f"{path}: no title or abstract column to learn from")
    id_column = next((c for c in ID_COLUMNS if c in header), None)
    keyword_columns = [c for c in KEYWORD_COLUMNS if c in header] if use_keywords else []
    ids, texts, labels = [], [], []
    for line, row in enumerate(rows, start=2):
        labels.append(_label(row.get(label), path, line, label))
        ids.append(row[id_column] if id_column else str(line - 1))
        keywords = [term for c in keyword_columns for term in (row[c] or "").split(";")]
        texts.append(record_text(row.get("title"), row.get("abstract"), keywords, keywords_as_terms))
    result = LabelledSet(path, ids, texts, np.asarray(labels, dtype=np.int64))
    if not rows:
        raise RankingError(f"{path}: no records")
    if result.includes == 0:
        raise RankingError(f"{path}: no record has {label} = 1; a simulation needs includes to find")
    return result


def _label(value: str | None, path: Path, line: int, column: str) -> int:
    text = (value or "").strip()
    if text in ("0", "1", "0.0", "1.0"):
        return int(float(text))
    raise RankingError(f"{path}, line {line}: {column} is {text!r}; expected 0 or 1")


# -- the replay ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """When the simulated reviewer's model is retrained (see the module docstring)."""

    batch_after: int = 100
    batch_divisor: int = 20

    def next_gap(self, decisions: int) -> int:
        if decisions < self.batch_after:
            return 1
        return max(1, math.ceil(decisions / self.batch_divisor))


@dataclass
class SimulationResult:
    order: np.ndarray
    """Row indices in the order screened, priors first."""
    labels: np.ndarray
    """Labels in that order."""
    stop: StopOutcome
    trained: bool = True
    """False when no model could be trained: the order is the random one."""


def choose_priors(labels: np.ndarray, seed: int, included: int, excluded: int) -> list[int]:
    rng = np.random.default_rng(seed)
    inc, exc = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if included > len(inc) or excluded > len(exc):
        raise RankingError(f"asked for {included} prior includes and {excluded} prior excludes; "
                           f"the set has {len(inc)} and {len(exc)}")
    return [int(i) for i in rng.permutation(np.concatenate([rng.choice(inc, included, replace=False),
                                                              rng.choice(exc, excluded, replace=False)]))]


def priority_replay(features: sp.csr_matrix, labels: np.ndarray, priors: list[int],
                    schedule: Schedule = Schedule(), settings: ModelSettings = DEFAULT_MODEL,
                    seed: int = 0) -> tuple[np.ndarray, bool]:
    """The order a reviewer following the model would screen in (row indices, priors first), and
    whether a model could be trained at all. While none can (priors of one class only, or records
    with no term to learn from), records come in random order."""
    n = features.shape[0]
    trained = False
    order = list(priors)
    screened = np.zeros(n, dtype=bool)
    screened[order] = True
    fallback = [int(i) for i in np.random.default_rng(seed).permutation(n)]
    while len(order) < n:
        rows = np.asarray(order, dtype=np.int64)
        scores = relevance_scores(features, rows, labels[rows], settings)
        candidates = np.flatnonzero(~screened)
        if scores is None:
            nxt = [next(i for i in fallback if not screened[i])]
        else:
            trained = True
            nxt = [int(i) for i in rank(scores, candidates)[: schedule.next_gap(len(order))]]
        for i in nxt:
            order.append(i)
            screened[i] = True
    return np.asarray(order, dtype=np.int64), trained


def simulate(data: LabelledSet, seed: int = 0, prior_included: int = 1, prior_excluded: int = 1,
             settings: ModelSettings = DEFAULT_MODEL, rule: StoppingRule = DEFAULT_RULE,
             schedule: Schedule = Schedule(),
             features: Callable[[list[str]], sp.csr_matrix] | None = None) -> SimulationResult:
    """Replay the set in priority order and the stopping rule on that order."""
    try:
        priors = choose_priors(data.labels, seed, prior_included, prior_excluded)
    except RankingError as exc:
        raise RankingError(f"{data.path}: {exc}") from None
    matrix = features(data.texts) if features else tfidf(count_matrix(data.texts), settings.max_df)
    order, trained = priority_replay(matrix, data.labels, priors, schedule, settings, seed)
    labels = data.labels[order]
    stop = replay_stop(labels, rule, np.random.default_rng(seed + 1_000_003), len(priors))
    return SimulationResult(order, labels, stop, trained)


# -- metrics -------------------------------------------------------------------------------------

def metrics(labels: np.ndarray, stop: StopOutcome | None = None) -> dict[str, Any]:
    """The team's figures of a screening order (as ../shared/tools/screening_metrics.py):
    WSS@95 = (n - r95)/n - 0.05 with r95 the records screened until ceil(0.95 x includes) are found;
    recall@10% over the first floor(0.1 n) records. With the stopping rule's outcome: where it
    stopped (None: it never did) and the recall then (1.0 when it never stopped)."""
    n, total = len(labels), int(labels.sum())
    found = np.cumsum(labels)
    r95 = int(np.searchsorted(found, math.ceil(0.95 * total))) + 1
    r100 = int(np.searchsorted(found, total)) + 1
    result: dict[str, Any] = {
        "n": n, "includes": total,
        "wss@95": round((n - r95) / n - 0.05, 4),
        "recall@10%": round(int(labels[: int(0.10 * n)].sum()) / total, 4),
        "screened_to_95%": r95, "screened_to_100%": r100,
    }
    if stop is not None:
        result["stopped_at"] = stop.stopped_at
        result["recall_at_stop"] = round(stop.found_at_stop / total, 4)
        result["work_saved_at_stop"] = round(1 - (stop.stopped_at or n) / n, 4)
    return result
