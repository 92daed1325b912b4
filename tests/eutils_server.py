"""A local stand-in for NCBI E-utilities (esearch, efetch) on 127.0.0.1, for tests and benchmarks.

It behaves like PubMed where our client depends on it: the history server (WebEnv/query_key),
retstart/retmax, the 9,999-id ceiling of esearch, date limits, GET and POST, silently missing ids
in efetch, 429 for clients faster than 3 requests/s (10 with an api_key), and faults injected for
the next requests (HTTP 5xx or 429, truncated XML, a dropped connection).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">'
)
EFETCH_HEAD = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)


def article_xml(pmid: str, day: date, title: str | None = None) -> str:
    """A small but real-shaped PubmedArticle."""
    title = title or f"Extramedullary hematopoiesis case {pmid}"
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print"><Journal><ISSN IssnType="Print">0940-6719</ISSN>'
        f'<JournalIssue CitedMedium="Internet"><Volume>{day.year % 50 + 1}</Volume><Issue>2</Issue>'
        f"<PubDate><Year>{day.year}</Year><Month>{day:%b}</Month><Day>{day.day:02d}</Day></PubDate>"
        f"</JournalIssue><Title>European spine journal</Title><ISOAbbreviation>Eur Spine J"
        f"</ISOAbbreviation></Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"<Pagination><MedlinePgn>{int(pmid) % 900 + 1}-9</MedlinePgn></Pagination>"
        f'<Abstract><AbstractText Label="BACKGROUND">Paraspinal masses in thalassemia.</AbstractText>'
        f"</Abstract><AuthorList><Author><LastName>Haidar</LastName><ForeName>Rachid</ForeName>"
        f"<Initials>R</Initials></Author></AuthorList><Language>eng</Language></Article>"
        f'</MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>'
        f'<ArticleId IdType="doi">10.9999/test.{pmid}</ArticleId></ArticleIdList>'
        f"<PublicationStatus>ppublish</PublicationStatus></PubmedData></PubmedArticle>\n"
    )


@dataclass
class Corpus:
    """The stand-in's PubMed: articles by PMID with their publication dates, and term -> PMIDs."""

    articles: dict[str, tuple[date, str]] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    """Phrases PubMed cannot search, and what it says of them when a query holds one
    ('extramedulary' -> 'PhraseNotFound'; 'QuotedPhraseNotFound', 'FieldNotFound', ...)."""

    def add(self, pmid: str, day: date, xml: str | None = None) -> None:
        self.articles[pmid] = (day, xml or article_xml(pmid, day))

    def hits(self, term: str, mindate: str | None, maxdate: str | None) -> list[str]:
        pmids = self.terms.get(" ".join(term.split()), [])
        if mindate and maxdate:
            lo, hi = _bound(mindate, end=False), _bound(maxdate, end=True)
            pmids = [p for p in pmids if lo <= self.articles[p][0] <= hi]
        return sorted(pmids, key=int, reverse=True)


def _bound(text: str, end: bool) -> date:
    parts = [int(p) for p in text.split("/")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        if not end:
            return date(parts[0], parts[1], 1)
        return date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1).fromordinal(
            date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1).toordinal() - 1)
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)


@dataclass
class StandIn:
    corpus: Corpus
    ceiling: int = 9_999
    enforce_rate: bool = False
    withheld: set[str] = field(default_factory=set)
    faults: deque[str] = field(default_factory=deque)
    log: list[dict[str, str]] = field(default_factory=list)
    served_429_for_rate: int = 0
    clock: object | None = None
    _history: dict[str, list[str]] = field(default_factory=dict)
    _times: dict[bool, deque[float]] = field(default_factory=lambda: {True: deque(), False: deque()})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def too_fast(self, has_key: bool) -> bool:
        limit = 10 if has_key else 3
        now = time.monotonic()
        with self._lock:
            times = self._times[has_key]
            while times and now - times[0] >= 1.0:
                times.popleft()
            times.append(now)
            return len(times) > limit

    def esearch(self, params: dict[str, str]) -> tuple[int, bytes]:
        retstart, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        if retstart > self.ceiling - 1:
            return 200, _esearch_error(
                "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For "
                "PubMed, ESearch can only retrieve the first 9,999 records matching the query.")
        hits = self.corpus.hits(params.get("term", ""), params.get("mindate"), params.get("maxdate"))
        listed = hits[retstart : min(retstart + retmax, self.ceiling)]
        webenv = query_key = ""
        if params.get("usehistory") == "y":
            with self._lock:
                query_key = str(len(self._history) + 1)
                webenv = f"MCID_standin_{query_key}"
                self._history[webenv + "|" + query_key] = hits
        ids = "".join(f"<Id>{p}</Id>" for p in listed)
        body = (
            f'<?xml version="1.0" encoding="UTF-8" ?>\n{ESEARCH_DOCTYPE}\n<eSearchResult>'
            f"<Count>{len(hits)}</Count><RetMax>{len(listed)}</RetMax><RetStart>{retstart}</RetStart>"
            + (f"<QueryKey>{query_key}</QueryKey><WebEnv>{webenv}</WebEnv>" if webenv else "")
            + f"<IdList>{ids}</IdList><TranslationSet/>"
            f"<QueryTranslation>{escape(params.get('term', ''))}</QueryTranslation>"
            + _esearch_lists(self.corpus, params.get("term", "")) + "</eSearchResult>"
        )
        return 200, body.encode()

    def efetch(self, params: dict[str, str]) -> tuple[int, bytes]:
        if "id" in params:
            pmids = [p for p in params["id"].split(",") if p]
        else:
            hits = self._history.get(f"{params.get('WebEnv')}|{params.get('query_key')}")
            if hits is None:
                return 400, b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"
            start, count = int(params.get("retstart", 0)), int(params.get("retmax", 20))
            pmids = hits[start : start + count]
        parts = [self.corpus.articles[p][1] for p in pmids
                 if p in self.corpus.articles and p not in self.withheld]
        return 200, (EFETCH_HEAD + "".join(parts) + "</PubmedArticleSet>\n").encode()


ESEARCH_ERRORS = ("PhraseNotFound", "FieldNotFound")


def _esearch_lists(corpus: Corpus, term: str) -> str:
    """ErrorList then WarningList, as esearch's DTD orders them, for unknown phrases in the term."""
    found = [(kind, phrase) for phrase, kind in corpus.unknown.items() if phrase.lower() in term.lower()]
    errors = "".join(f"<{k}>{escape(p)}</{k}>" for k, p in found if k in ESEARCH_ERRORS)
    warnings = "".join(f"<{k}>{escape(p)}</{k}>" for k, p in found if k not in ESEARCH_ERRORS)
    return (f"<ErrorList>{errors}</ErrorList>" if errors else "") + (
        f"<WarningList>{warnings}</WarningList>" if warnings else "")


def _esearch_error(message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" ?>\n{ESEARCH_DOCTYPE}\n<eSearchResult>'
            f"<ERROR>{escape(message)}</ERROR></eSearchResult>").encode()


class Handler(BaseHTTPRequestHandler):
    server: EutilsServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self._serve(parse_qs(urlparse(self.path).query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        self._serve({**parse_qs(urlparse(self.path).query), **form})

    def _serve(self, query: dict[str, list[str]]) -> None:
        params = {k: v[-1] for k, v in query.items()}
        stand_in = self.server.stand_in
        util = urlparse(self.path).path.rsplit("/", 1)[-1]
        now = stand_in.clock.time() if stand_in.clock is not None else time.monotonic()  # type: ignore[attr-defined]
        stand_in.log.append({"util": util, "method": self.command, "t": now, **params})
        if stand_in.enforce_rate and stand_in.too_fast("api_key" in params):
            stand_in.served_429_for_rate += 1
            return self._send(429, b'{"error":"API rate limit exceeded"}')
        fault = stand_in.faults.popleft() if stand_in.faults else None
        if fault and fault.isdigit():
            return self._send(int(fault), b"<html>Service unavailable</html>")
        if fault == "drop":
            self.close_connection = True
            return self.wfile.flush()
        if util == "esearch.fcgi":
            status, body = stand_in.esearch(params)
        elif util == "efetch.fcgi":
            status, body = stand_in.efetch(params)
        else:
            status, body = 404, b"unknown utility"
        if fault == "truncate":
            body = body[: max(len(body) // 2, 1)]
        self._send(status, body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EutilsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stand_in: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.stand_in = stand_in

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/entrez/eutils"

    def start(self) -> EutilsServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
