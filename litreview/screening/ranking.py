"""Priority screening: a model trained on the decisions so far puts the likely includes first.

The model is what the field found to work (ASReview's default, ELAS u4): TF-IDF of word 1-2-grams
with sublinear tf over title + abstract (keywords and MeSH headings optional), and a linear SVM
(squared hinge, C = 0.11) whose includes weigh 9.8 times the excludes in total. Measured changes
from that starting point are in `ModelSettings` and benchmarks/bench_ranking.py.

Features are hashed (HashingVectorizer): each record's term counts depend on that record alone,
so the matrix is cached beside the library and new records are added without re-reading the old
ones (`FeatureCache`); the IDF weights, which depend on the whole collection, are recomputed from
the counts at every training, which takes a fraction of a second.

Pure functions on matrices here; `library_ranking` reads the library; `BackgroundRanker` retrains
in a thread so the screener never waits for the model.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.svm import LinearSVC

from litreview.errors import RankingError
from litreview.screening import decisions, stopping
from litreview.screening.decisions import Decision
from litreview.store import Library
from litreview.store import ranking as ranking_store

N_FEATURES = 2**22
"""Hash space: collisions among the ~10^6 distinct 1-2-grams of a 50,000-record review are rare."""


@dataclass(frozen=True)
class ModelSettings:
    """The classifier and its text features. Defaults: ASReview 3's ELAS u4 (title + abstract).

    Keywords/MeSH headings (`use_keywords`) were measured on the eight Cohen sets, which hold them
    (benchmarks/bench_ranking.py --keywords, 5 seeds): mean WSS@95 0.379 -> 0.399 as words and
    ~0.40 as one token per heading, but Oral Hypoglycemics fell to 0.121 / 0.145 against ASReview's
    0.171 (no keywords: 0.163), past the 0.02 a set may lose. So they are off by default.
    Re-measured 2026-12-07 against ASReview 3.0.8 rerun on every set: one token per heading, Cohen
    mean 0.390 (without: 0.379; ASReview 0.365), but Oral Hypoglycemics 0.145 (ASReview 0.171) and
    Skeletal Muscle Relaxants 0.259 (ASReview 0.292): still off.

    Ensembles (`ensemble`, rankings averaged with the SVM's), all 11 sets, 5 seeds: with ASReview
    3's Naive Bayes (ELAS u3) mean WSS@95 0.447 against 0.445 alone, but Bannach-Brown 0.425
    (alone 0.468) for Kitchenham 0.714 (0.673): a trade, not a gain; with logistic regression
    Bannach-Brown 0.459, Kitchenham 0.678 at ~100x the time per run. Off. Retraining every 5
    decisions after the first 100 (as the screener does) instead of the simulation's growing
    batches: mean 0.446 against 0.445. Default model: mean 0.445, ASReview 0.432, worst set -0.013
    (benchmarks/bench_ranking.py)."""

    C: float = 0.11
    include_weight_ratio: float = 9.8
    """Total weight of the includes over that of the excludes (ASReview's 'balanced' ratio)."""
    max_df: float = 0.95
    use_keywords: bool = False
    keywords_as_terms: bool = True
    ensemble: str = ""
    """Other models whose rankings are averaged with the SVM's ('nb', 'lr', 'nb+lr'); '' for none."""


DEFAULT_MODEL = ModelSettings()


# -- text and features ---------------------------------------------------------------------------

def record_text(title: str | None, abstract: str | None, keywords: Iterable[str] = (),
                as_terms: bool = True) -> str:
    """What the model reads of a record: title, abstract and its subject terms. With `as_terms`,
    each keyword or MeSH heading is one token ('kw_diabetes_mellitus_type_2'), not words that mix
    with the abstract's and form bigrams across headings."""
    terms = [term for term in (k.strip() for k in keywords) if term]
    if as_terms:
        terms = ["kw_" + _NON_WORD.sub("_", term.lower()).strip("_") for term in terms]
    return " ".join(part for part in (title or "", abstract or "", " ".join(terms)) if part)


_NON_WORD = re.compile(r"\W+")


_HASHER = HashingVectorizer(ngram_range=(1, 2), n_features=N_FEATURES, alternate_sign=False, norm=None,
                            lowercase=True, token_pattern=r"(?u)\b\w\w+\b", dtype=np.float32)


def count_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw 1-2-gram counts, one row per text (hashed columns)."""
    return sp.csr_matrix(_HASHER.transform(texts))


def tfidf(counts: sp.csr_matrix, max_df: float = DEFAULT_MODEL.max_df) -> sp.csr_matrix:
    """Sublinear tf x smooth idf, l2-normalised rows, over the columns that occur (as sklearn's
    TfidfVectorizer(sublinear_tf=True, max_df=...) would give, up to hash collisions).

    Computed on the arrays of the sparse matrix (O(non-zeros) numpy, no sparse products or column
    indexing): at 50,000 records this is ~1 s instead of ~10 s."""
    counts = sp.csr_matrix(counts)
    counts.sum_duplicates()
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = (df > 0) & (df <= max(1.0, max_df * n))
    column = np.cumsum(keep) - 1
    held = keep[counts.indices]
    row_of = np.repeat(np.arange(n), np.diff(counts.indptr))[held]
    indices = column[counts.indices[held]].astype(np.int32)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    data = (1.0 + np.log(counts.data[held].astype(np.float64))) * idf[counts.indices[held]]
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n))
    norms[norms == 0] = 1.0
    data /= norms[row_of]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=n))])
    return sp.csr_matrix((data, indices, indptr), shape=(n, int(keep.sum())))


# -- the model -----------------------------------------------------------------------------------

def sample_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """Includes weigh `ratio` times the excludes in total; weights average 1 (ASReview's balancer)."""
    n_inc, n_exc = int(labels.sum()), int((labels == 0).sum())
    weights = np.where(labels == 1, 1.0, n_inc / (ratio * n_exc))
    return np.asarray(weights * (len(labels) / weights.sum()))


def relevance_scores(features: sp.csr_matrix, rows: np.ndarray, labels: np.ndarray,
                     settings: ModelSettings = DEFAULT_MODEL) -> np.ndarray | None:
    """Score every row of `features` after training on `rows` with 0/1 `labels`; None when no
    model can be trained (the caller keeps its random order): the labels hold one class only, or
    the records hold no term to learn from (titles and abstracts empty, of one-letter words, or
    every term in more than max_df of the records)."""
    if labels.min() == labels.max() or features.shape[1] == 0:
        return None
    model = LinearSVC(C=settings.C, loss="squared_hinge")
    model.fit(features[rows], labels, sample_weight=sample_weights(labels, settings.include_weight_ratio))
    scores = np.asarray(model.decision_function(features))
    if not settings.ensemble:
        return scores
    from scipy.stats import rankdata

    combined = rankdata(scores)
    for name in settings.ensemble.split("+"):
        if name == "nb":
            from sklearn.naive_bayes import MultinomialNB

            nb = MultinomialNB(alpha=3.822)
            nb.fit(features[rows], labels, sample_weight=sample_weights(labels, 1.2))
            other = nb.predict_log_proba(features)
            combined += rankdata(other[:, 1] - other[:, 0])
        elif name == "lr":
            from sklearn.linear_model import LogisticRegression

            lr = LogisticRegression(C=1.0, max_iter=1000)
            weights = sample_weights(labels, settings.include_weight_ratio)
            lr.fit(features[rows], labels, sample_weight=weights)
            combined += rankdata(lr.decision_function(features))
    return np.asarray(combined)


def rank(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Candidates, highest score first (stable: ties keep the candidates' order)."""
    return candidates[np.argsort(-scores[candidates], kind="stable")]


# -- the library's feature cache -----------------------------------------------------------------

def text_digest(text: str) -> int:
    """A 63-bit fingerprint of a record's text: a changed title or abstract is re-counted."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


@dataclass
class FeatureCache:
    """Hashed term counts of the library's records, kept in `<library>-ranking.npz`.

    `update` counts only the records that are new or whose text changed since the last save; a
    cache that cannot be read is rebuilt, one that cannot be written is kept in memory only."""

    path: Path | None
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    digests: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, N_FEATURES), dtype=np.float32))

    @classmethod
    def beside(cls, library_path: Path) -> FeatureCache:
        if str(library_path) == ":memory:":
            return cls(None)
        path = Path(f"{library_path}-ranking.npz")
        cache = cls(path)
        try:
            with np.load(path) as saved:
                cache.ids, cache.digests = saved["ids"], saved["digests"]
                cache.counts = sp.csr_matrix((saved["data"], saved["indices"], saved["indptr"]),
                                             shape=(len(saved["ids"]), N_FEATURES))
        except (OSError, KeyError, ValueError):
            return cls(path)
        return cache

    def update(self, texts: dict[int, str]) -> bool:
        """Bring the cache to exactly these records (id -> text); True when anything changed."""
        wanted = np.fromiter(texts, dtype=np.int64, count=len(texts))
        digests = np.fromiter((text_digest(texts[int(i)]) for i in wanted), dtype=np.int64, count=len(wanted))
        known = dict(zip(self.ids.tolist(), zip(range(len(self.ids)), self.digests.tolist())))
        keep_rows, keep_ids, fresh_ids = [], [], []
        for record_id, digest in zip(wanted.tolist(), digests.tolist()):
            row = known.get(record_id)
            if row is not None and row[1] == digest:
                keep_rows.append(row[0])
                keep_ids.append(record_id)
            else:
                fresh_ids.append(record_id)
        changed = bool(fresh_ids) or len(keep_rows) != len(self.ids)
        if not changed:
            return False
        fresh = count_matrix([texts[i] for i in fresh_ids]) if fresh_ids else None
        kept = self.counts[np.asarray(keep_rows, dtype=np.int64)]
        self.counts = sp.csr_matrix(sp.vstack([kept, fresh]) if fresh is not None else kept, dtype=np.float32)
        self.ids = np.asarray(keep_ids + fresh_ids, dtype=np.int64)
        position = {i: n for n, i in enumerate(wanted.tolist())}
        self.digests = digests[[position[i] for i in self.ids.tolist()]]
        return True

    def save(self) -> None:
        """Write atomically (a killed run leaves the old cache or none); a read-only folder is fine."""
        if self.path is None:
            return
        part = self.path.with_name(self.path.name + ".part.npz")
        try:
            np.savez(part, ids=self.ids, digests=self.digests, data=self.counts.data,
                     indices=self.counts.indices, indptr=self.counts.indptr)
            os.replace(part, self.path)
        except OSError:
            part.unlink(missing_ok=True)


# -- ranking a library ----------------------------------------------------------------------------

@dataclass
class PriorityOrder:
    """Record ids to screen, most likely include first, and how the order was made."""

    ids: list[int]
    trained: bool
    message: str
    includes: int = 0
    excludes: int = 0
    stopping: str = ""
    """The stopping rule's state (StoppingState.message()), when the review has a rule."""


def ranked_ids(counts: sp.csr_matrix, ids: np.ndarray, labels: dict[int, int], todo: Sequence[int],
               settings: ModelSettings = DEFAULT_MODEL) -> list[int] | None:
    """`todo` ranked by a model trained on `labels` (record id -> 0/1); None with one class only."""
    row_of = {int(i): n for n, i in enumerate(ids.tolist())}
    train = [(row_of[i], y) for i, y in labels.items() if i in row_of]
    if not train:
        return None
    rows = np.asarray([r for r, _ in train], dtype=np.int64)
    y = np.asarray([label for _, label in train], dtype=np.int64)
    features = tfidf(counts, settings.max_df)
    scores = relevance_scores(features, rows, y, settings)
    if scores is None:
        return None
    candidates = np.asarray([row_of[i] for i in todo if i in row_of], dtype=np.int64)
    ranked = [int(ids[r]) for r in rank(scores, candidates)]
    missing = [i for i in todo if i not in row_of]
    return ranked + missing


def order_message(includes: int, excludes: int, trained: bool) -> str:
    if trained:
        return f"priority order from a model trained on {includes} includes and {excludes} excludes"
    if includes and excludes:
        return (f"random order: the model cannot be trained on {includes} includes and {excludes} "
                f"excludes: {NO_TERMS}")
    return (f"random order: the model needs at least one include and one exclude "
            f"(so far {includes} includes, {excludes} excludes)")


NO_TERMS = ("the records' titles and abstracts hold no term to learn from (empty, one-letter words, "
            "or the same words in nearly every record)")


def check_labels(labels: dict[int, int]) -> tuple[int, int]:
    includes = sum(labels.values())
    return includes, len(labels) - includes


def require_known(value: Any, known: Sequence[str], what: str) -> None:
    if value not in known:
        raise RankingError(f"unknown {what} {value!r}; expected one of {', '.join(known)}")


class BackgroundRanker:
    """Retrains in the background and hands over the new order when it is ready, so a key press
    never waits for the model. `compute` is called with no arguments and returns the order; it
    must open its own library connection (SQLite connections stay in their thread).

    With `process=True` it runs in a worker process of its own (spawned once, kept warm): the
    retraining then shares neither the screener's CPU time slices under the GIL nor its memory
    churn, which at 50,000 records made a key press wait up to ~0.3 s while a thread retrained
    (benchmarks/bench_screener.py --order priority). `compute` must then be picklable (e.g. a
    functools.partial of a module-level function)."""

    def __init__(self, compute: Any, every: int = 5, process: bool = False) -> None:
        self._compute = compute
        self.every = every
        self._since = 0
        self._thread: threading.Thread | None = None
        self._worker: _Worker | None = _Worker() if process else None
        self._pending = False
        self._result: PriorityOrder | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin a retraining unless one is running."""
        if self._worker is not None:
            if not self._pending and self._worker.alive:
                self._since = 0
                try:
                    self._worker.submit(self._compute)
                except OSError:  # the process is gone (poll() reports it once); go on without
                    return
                self._pending = True
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._since = 0
        self._thread = threading.Thread(target=self._run, name="litreview-ranking", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._compute()
        except BaseException as exc:  # handed to the screener's thread by poll()
            with self._lock:
                self._error = exc
            return
        with self._lock:
            self._result = result

    @property
    def busy(self) -> bool:
        """A retraining is under way (or done and not yet handed over by poll())."""
        if self._worker is not None:
            return self._pending
        return self._thread is not None and self._thread.is_alive()

    def decided(self) -> None:
        """Count a decision; every `every` decisions a retraining starts."""
        self._since += 1
        if self._since >= self.every:
            self.start()

    def poll(self) -> PriorityOrder | None:
        """The newest order if one finished since the last poll (re-raises a failure)."""
        if self._worker is not None:
            if not self._pending or not self._worker.ready():
                return None
            self._pending = False
            result: PriorityOrder = self._worker.result()
            return result
        with self._lock:
            error, self._error = self._error, None
            found, self._result = self._result, None
        if error is not None:
            raise error
        return found

    def wait(self, timeout: float | None = None) -> PriorityOrder | None:
        if self._worker is not None:
            if self._pending:
                self._worker.ready(timeout)
            return self.poll()
        if self._thread is not None:
            self._thread.join(timeout)
        return self.poll()

    def close(self) -> None:
        """Stop the worker process, if any (a retraining under way is abandoned)."""
        if self._worker is not None:
            self._worker.close()


class _Worker:
    """One spawned process that runs the computations sent to it, one at a time. A thread of the
    caller's process reads the answers off the pipe as they come, so the caller never waits on the
    pipe (an order of 50,000 ids is larger than a pipe's buffer: reading it in the screener's
    thread meant waiting for the low-priority worker to write the rest, up to ~90 ms)."""

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="litreview-ranking", daemon=True)
        self._process.start()
        child.close()
        self._inbox: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self._held: tuple[bool, Any] | None = None
        self._reader = threading.Thread(target=self._receive, name="litreview-ranking-reader", daemon=True)
        self._reader.start()

    def _receive(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                self._inbox.put((False, RankingError("the background ranking process ended unexpectedly")))
                return
            self._inbox.put(message)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def submit(self, compute: Any) -> None:
        self._conn.send(compute)

    def ready(self, timeout: float | None = 0.0) -> bool:
        """An answer (or the process's end) is there to collect; waits up to `timeout` seconds
        (None: until there is)."""
        if self._held is None:
            try:
                self._held = self._inbox.get(timeout=timeout) if timeout != 0 else self._inbox.get_nowait()
            except queue.Empty:
                return False
        return True

    def result(self) -> Any:
        if self._held is None:
            self._held = self._inbox.get()
        (ok, value), self._held = self._held, None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._process.terminate()
        self._process.join(5)
        self._reader.join(5)
        self._conn.close()


class WorkerProcess:
    """A worker process of its own (spawned when first needed, at a lower CPU priority) that any
    thread can hand a computation to and wait for (the waiting releases the GIL): the web server's
    re-ranking, which in a thread of the server made pages wait. One computation at a time; a
    process that died is replaced at the next. `compute` must be picklable."""

    def __init__(self) -> None:
        self._worker: _Worker | None = None
        self._lock = threading.Lock()

    def run(self, compute: Any) -> Any:
        with self._lock:
            if self._worker is None or not self._worker.alive:
                self._replace()
            worker = self._worker
            assert worker is not None
            try:
                worker.submit(compute)
            except OSError:  # it ended since (its pipe is closed): a new one
                worker = self._replace()
                worker.submit(compute)
            return worker.result()

    def _replace(self) -> _Worker:
        if self._worker is not None:
            self._worker.close()
        self._worker = _Worker()
        return self._worker

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None


def _serve(conn: Any) -> None:
    """The worker process's loop: compute what is sent, send back (True, result) or (False, error).
    It runs at a lower CPU priority than the screener, which then gets a core first, and leaves
    Ctrl-C to the screener (which ends it)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(10)
    while True:
        try:
            compute = conn.recv()
        except (EOFError, OSError):
            return
        try:
            try:
                answer = (True, compute())
            except BaseException as exc:
                answer = (False, exc)
            conn.send(answer)
        except OSError:  # the screener or server has gone (its end of the pipe is closed)
            return


# -- the library's order -------------------------------------------------------------------------

def texts_of(library: Library, settings: ModelSettings = DEFAULT_MODEL) -> dict[int, str]:
    """id -> what the model reads, for every canonical record (with `use_keywords`, its keywords
    and MeSH descriptors too; their JSON is not parsed otherwise: 1.7 of 9 s at 50,000 records)."""
    texts = {}
    for record_id, title, abstract, keywords, mesh in ranking_store.model_texts(library):
        terms: list[str] = []
        if settings.use_keywords:
            terms = list(orjson.loads(keywords)) if keywords else []
            terms += [m.get("descriptor") or "" for m in orjson.loads(mesh)] if mesh else []
        texts[record_id] = record_text(title, abstract, terms, settings.keywords_as_terms)
    return texts


def as_label(decision: str | None, maybe_passes: bool) -> int:
    """An include is 1; a maybe counts as the review treats it at title/abstract."""
    return int(decision == Decision.INCLUDE or (decision == Decision.MAYBE and maybe_passes))


def training_labels(library: Library, reviewer: str, stage: str) -> dict[int, int]:
    """What the model may learn from for this reviewer: every settled study (decided or resolved),
    and this reviewer's own votes. Another reviewer's vote on a study still open is never used, so
    the order cannot hint at it (blinding holds)."""
    settings = decisions.load_settings(library)
    labels = {}
    for study, state in decisions.stage_states(library, stage, settings).items():
        if state.status in decisions.SETTLED:
            labels[study] = as_label(state.outcome, settings.maybe_passes)
        elif reviewer in state.votes:
            labels[study] = as_label(state.votes[reviewer][0], settings.maybe_passes)
    return labels


def library_ranking(library: Library, reviewer: str, stage: str, todo: Sequence[int],
                    settings: ModelSettings = DEFAULT_MODEL) -> PriorityOrder:
    """`todo` (in its stable random order) ranked by a model trained on the decisions so far; the
    random order itself until there is an include and an exclude to learn from."""
    cache = FeatureCache.beside(library.path)
    if cache.update(texts_of(library, settings)):
        cache.save()
    labels = training_labels(library, reviewer, stage)
    includes, excludes = check_labels(labels)
    ranked = ranked_ids(cache.counts, cache.ids, labels, todo, settings)
    if ranked is None:
        return PriorityOrder(list(todo), False, order_message(includes, excludes, False), includes, excludes)
    return PriorityOrder(ranked, True, order_message(includes, excludes, True), includes, excludes)


def priority_order(library: Library, reviewer: str, stage: str = "ta",
                   todo: Sequence[int] | None = None) -> PriorityOrder:
    """What this reviewer screens next, in order: the records the model ranks first; once the
    review's stopping rule has begun its random sample, the records outside the sample (added
    since) ranked first, then the sample in its random order. The web screener and `screen next`
    call this; `todo` defaults to decisions.screening_order's (random) list."""
    if todo is None:
        todo = decisions.screening_order(library, reviewer, stage, "random")
    rule = stopping.review_rule(library)
    if rule is not None:
        stopping.begin_sample_if_due(library, stage, rule)
    sample = stopping.sample_order(library, stage, todo)
    outside = [i for i in todo if i not in set(sample)] if sample else list(todo)
    ranked = library_ranking(library, reviewer, stage, outside) if outside else \
        PriorityOrder([], False, "every record outside the stopping rule's sample is screened")
    if sample:
        ranked.ids = ranked.ids + sample
        ranked.message += f"; then the stopping rule's random sample ({len(sample)} records left in it)"
    return ranked


def priority_order_with_state(db_path: Path, reviewer: str, stage: str = "ta") -> PriorityOrder:
    """priority_order and the stopping rule's state, on a connection of its own: what the
    screener's background thread computes (SQLite connections stay in the thread that made them)."""
    with Library(db_path) as library:
        order = priority_order(library, reviewer, stage)
        now = stopping.state(library, stage)
        if now.rule is not None:
            order.stopping = now.message()
        return order
