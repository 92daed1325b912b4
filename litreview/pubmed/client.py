"""PubMed through NCBI E-utilities: the only module that talks to NCBI.

Requests are built here (`build_request`: tool, email and api_key with every request, ids joined
by commas, POST for long queries or 200 ids and more) on `{LITREVIEW_EUTILS_URL}/esearch.fcgi`,
`/efetch.fcgi`, ...: that is how tests and mirrors point the same code elsewhere. They are sent
through the client's `opener` (urllib's by default, with the client's timeout on each request; a
test or another transport injects its own, as httpx tests inject a transport), after waiting for
NCBI's rate limit (3 requests/s, 10 with an API key; one `RateLimit` shared by every client of
the process unless one is given). `_with_retries` backs off on 429/5xx, timeouts, dropped
connections and truncated or malformed XML; a server that cannot be reached at all (a name that
does not resolve, a refused connection, no route: offline) fails at once, saying what was tried,
as retrying it would only add a minute of silence. Nothing process-wide is set: not the socket
default timeout, not Bio.Entrez's module settings. esearch answers are read by Bio.Entrez.read; efetch
bytes go to our streaming parser (Bio.Entrez.read holds ~75 KB a record and Bio.Entrez.parse
cannot stream today's PubMed DTD).
"""

from __future__ import annotations

import errno
import http.client
import io
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any, TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, build_opener

from Bio import Entrez

from litreview.config import NcbiSettings, ncbi_settings
from litreview.errors import EntrezError, ParseError
from litreview.pubmed.links import (
    CitationMatch,
    CitationQuery,
    LinkAnswer,
    LinkName,
    read_ecitmatch,
    read_elink,
    read_reference_lists,
)
from litreview.pubmed.xml import parse_pubmed_xml
from litreview.records import Record

ESEARCH_CEILING = 9_999
"""PubMed's esearch lists at most the first 9,999 ids of a query (retstart <= 9998)."""
RETRY_HTTP = {429, 500, 502, 503, 504}
EARLIEST = date(1781, 1, 1)

T = TypeVar("T")


@dataclass
class SearchResult:
    """What esearch said about a query (or one date slice of it)."""

    count: int
    ids: list[str] = field(default_factory=list)
    webenv: str | None = None
    query_key: str | None = None
    translation: str | None = None
    slices: list[tuple[str, str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What PubMed said it did not search ('term not found in PubMed, left out: extramedulary')."""


Opener = Callable[[Request, float], IO[bytes]]
"""Sends a request with a timeout in seconds and returns the response's body; raises
urllib.error.HTTPError for an HTTP error status, URLError/OSError when the connection fails."""


def urllib_opener() -> Opener:
    """urllib's opener (proxies from the environment, redirects, HTTPError for 4xx/5xx)."""
    director = build_opener()
    return lambda request, timeout: director.open(request, timeout=timeout)  # type: ignore[no-any-return]


class RateLimit:
    """NCBI's limit: a request at most every 0.37 s (3/s; 1/3 s exactly is sometimes answered
    429), every 0.1 s with an API key. Thread-safe; waits with `time.sleep`."""

    SPACING = 0.37
    SPACING_WITH_KEY = 0.1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._previous = float("-inf")

    def wait(self, with_key: bool) -> None:
        with self._lock:
            spacing = self.SPACING_WITH_KEY if with_key else self.SPACING
            now = time.time()
            wait = self._previous + spacing - now
            if wait > 0:
                time.sleep(wait)
                now += wait
            self._previous = now


NCBI_RATE = RateLimit()
"""The rate limit every client of this process shares by default (NCBI counts per user)."""

ID_POST = 200
"""NCBI asks for POST from about 200 ids."""


def build_request(url: str, params: dict[str, Any], settings: NcbiSettings, *, post: bool | None = None,
                  join_ids: bool = True, keep_bars: bool = False) -> Request:
    """The request for an E-utility at `url`: `params` with tool, email and api_key (when set),
    a list of ids joined by commas (unless `join_ids` is False: repeated id parameters, as elink
    wants for one link set per id), '|' left unescaped for ecitmatch (`keep_bars`). POST when
    `post`, or (when None) for a query over 1,000 characters or 200 ids and more."""
    query = {**params, "tool": settings.tool, "email": settings.email, "api_key": settings.api_key}
    query = {key: value for key, value in query.items() if value is not None}
    ids = query.get("id")
    if join_ids and ids is not None and not isinstance(ids, str):
        query["id"] = ",".join(map(str, ids))
    text = urlencode(query, doseq=True)
    if keep_bars:
        text = text.replace("%7C", "|")
    if post is None:
        joined = query.get("id")
        post = len(text) > 1000 or (isinstance(joined, str) and joined.count(",") + 1 >= ID_POST)
    if post:
        return Request(url, data=text.encode("utf-8"), method="POST")
    return Request(f"{url}?{text}", method="GET")


def redact(text: str, secret: str | None) -> str:
    """Remove an API key from text (URLs in error messages carry it)."""
    text = re.sub(r"api_key=[^&\s'\"]+", "api_key=REDACTED", text)
    return text.replace(secret, "REDACTED") if secret else text


class EntrezClient:
    """esearch/efetch for PubMed with history, batching, date splitting and retries."""

    def __init__(
        self,
        settings: NcbiSettings | None = None,
        *,
        fetch_batch: int = 500,
        max_attempts: int = 6,
        backoff: float = 2.0,
        timeout: float = 120.0,
        sleep: Callable[[float], None] | None = None,
        ceiling: int = ESEARCH_CEILING,
        opener: Opener | None = None,
        rate: RateLimit | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings or ncbi_settings()
        self.fetch_batch = fetch_batch
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep or _sleep
        self.ceiling = ceiling
        self.opener = opener or urllib_opener()
        self.rate = rate or NCBI_RATE
        self.on_retry = on_retry
        """Told each retry ('esearch: HTTP 503; retry 2 of 6 in 4 s'): the CLI shows it on a
        terminal."""
        self.requests = 0

    # -- transport -------------------------------------------------------------------------

    def _get(self, util: str, params: dict[str, Any], post: bool | None = None, *,
             join_ids: bool = True) -> bytes:
        """One request to an E-utility (no retries: see _with_retries), its body as bytes."""
        script = "ecitmatch.cgi" if util == "ecitmatch" else f"{util}.fcgi"
        request = build_request(f"{self.settings.eutils_url}/{script}", params, self.settings, post=post,
                                join_ids=join_ids, keep_bars=util == "ecitmatch")
        self.rate.wait(with_key=bool(self.settings.api_key))
        self.requests += 1
        with self.opener(request, self.timeout) as handle:
            return handle.read()

    def _with_retries(self, what: str, attempt_once: Callable[[], T]) -> T:
        """Run one request+parse, retrying transient failures with exponential backoff."""
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return attempt_once()
            except HTTPError as exc:
                if exc.code not in RETRY_HTTP:
                    raise EntrezError(self._clean(f"{what}: HTTP {exc.code} {exc.reason}")) from None
                last, wait = f"HTTP {exc.code}", self._retry_after(exc, attempt)
            except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                unreachable = self._unreachable(exc)
                if unreachable:
                    raise EntrezError(self._clean(unreachable)) from None
                last, wait = _transient(exc), self._delay(attempt)
            except ParseError as exc:
                last, wait = f"unreadable XML ({exc.message})", self._delay(attempt)
            if attempt < self.max_attempts:
                if self.on_retry:
                    self.on_retry(self._clean(f"{what}: {last}; retry {attempt + 1} of"
                                              f" {self.max_attempts} in {wait:g} s"))
                self.sleep(wait)
        raise EntrezError(self._clean(f"{what} failed after {self.max_attempts} attempts: {last}"))

    def _unreachable(self, exc: BaseException) -> str | None:
        """'cannot reach E-utilities at HOST: ...' when no request got to a server (no retry
        can help), else None. Timeouts are not among these: a slow server is retried."""
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return None
        if isinstance(reason, socket.gaierror):
            why = "name not resolved - offline, or a mistyped host?"
        elif isinstance(reason, ConnectionRefusedError):
            why = "connection refused - nothing answers on that port"
        elif isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH,
                                                              errno.ENETDOWN):
            why = "network unreachable - offline?"
        elif isinstance(reason, ssl.SSLError):
            why = f"TLS failed ({getattr(reason, 'reason', None) or reason})"
        elif isinstance(exc, URLError) and isinstance(reason, str):
            why = reason  # 'unknown url type: ...'
        else:
            return None
        parts = urllib.parse.urlsplit(self.settings.eutils_url)
        return (f"cannot reach E-utilities at {parts.netloc or self.settings.eutils_url}: {why}"
                f" (tried {self.settings.eutils_url})")

    def _delay(self, attempt: int) -> float:
        return float(self.backoff * 2 ** (attempt - 1))

    def _retry_after(self, exc: HTTPError, attempt: int) -> float:
        header = exc.headers.get("Retry-After") if exc.headers else None
        if header and header.strip().isdigit():
            return max(float(header), self._delay(attempt))
        return self._delay(attempt)

    def _clean(self, message: str) -> str:
        return redact(message, self.settings.api_key)

    # -- esearch ---------------------------------------------------------------------------

    def esearch(self, term: str, *, retmax: int = 0, mindate: str | None = None,
                maxdate: str | None = None, datetype: str | None = None) -> SearchResult:
        """One esearch call with the history server on."""
        params: dict[str, Any] = {"db": "pubmed", "term": term, "retmax": retmax, "usehistory": "y"}
        if mindate and maxdate:
            params.update(mindate=mindate, maxdate=maxdate, datetype=datetype or "pdat")

        def once() -> SearchResult:
            return _read_esearch(self._get("esearch", params, post=len(term) > 1000))

        return self._with_retries("esearch", once)

    def search_ids(self, term: str, *, mindate: str | None = None, maxdate: str | None = None,
                   datetype: str | None = None) -> SearchResult:
        """Every PMID of a query, splitting it into date ranges while it exceeds the ceiling."""
        first = self.esearch(term, retmax=self.ceiling, mindate=mindate,
                             maxdate=maxdate, datetype=datetype)
        if first.count <= self.ceiling:
            first.slices = [(mindate or "", maxdate or "", first.count)]
            return first
        start = _parse_date(mindate) if mindate else EARLIEST
        end = _parse_date(maxdate, end=True) if maxdate else date(date.today().year + 2, 12, 31)
        result = SearchResult(count=first.count, translation=first.translation, warnings=first.warnings)
        seen: set[str] = set()
        for part in self._split(term, start, end, datetype or "pdat"):
            result.slices.append(part.slices[0])
            for pmid in part.ids:
                if pmid not in seen:
                    seen.add(pmid)
                    result.ids.append(pmid)
        return result

    def _split(self, term: str, start: date, end: date, datetype: str) -> Iterator[SearchResult]:
        lo, hi = _fmt(start), _fmt(end)
        part = self.esearch(term, retmax=self.ceiling, mindate=lo, maxdate=hi,
                            datetype=datetype)
        if part.count <= self.ceiling:
            part.slices = [(lo, hi, part.count)]
            yield part
            return
        if start >= end:
            raise EntrezError(
                f"{part.count} records on the single day {lo} exceed PubMed's {self.ceiling} "
                "ids per query; narrow the search"
            )
        middle = start + timedelta(days=(end - start).days // 2)
        yield from self._split(term, start, middle, datetype)
        yield from self._split(term, middle + timedelta(days=1), end, datetype)

    # -- efetch ----------------------------------------------------------------------------

    def fetch(self, pmids: list[str]) -> Iterator[list[Record]]:
        """Records for the given PMIDs, one list per efetch batch (POSTed id lists)."""
        for start in range(0, len(pmids), self.fetch_batch):
            batch = pmids[start : start + self.fetch_batch]
            params = {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"}
            yield self._fetch_batch(params, post=True)

    def fetch_history(self, found: SearchResult) -> Iterator[list[Record]]:
        """Records of an esearch result through its WebEnv/query_key, in batches."""
        for start in range(0, min(found.count, self.ceiling), self.fetch_batch):
            params = {"db": "pubmed", "WebEnv": found.webenv, "query_key": found.query_key,
                      "retstart": start, "retmax": self.fetch_batch, "retmode": "xml"}
            yield self._fetch_batch(params)

    def _fetch_batch(self, params: dict[str, Any], post: bool | None = None) -> list[Record]:
        def once() -> list[Record]:
            data = self._get("efetch", params, post=post)
            return list(parse_pubmed_xml(io.BytesIO(data)))

        return self._with_retries("efetch", once)


    # -- elink, ecitmatch -------------------------------------------------------------------

    def links(self, pmids: list[str], linkname: LinkName, *, batch: int = 100) -> LinkAnswer:
        """ELink from PubMed to PubMed, one `id=` per PMID so the links stay per record."""
        answer = LinkAnswer()
        for start in range(0, len(pmids), batch):
            chunk = pmids[start : start + batch]
            params: dict[str, Any] = {"dbfrom": "pubmed", "db": "pubmed", "id": chunk,
                                      "linkname": linkname.value}
            if linkname is LinkName.SIMILAR:
                params["cmd"] = "neighbor_score"

            def once(params: dict[str, Any] = params) -> LinkAnswer:
                return read_elink(self._get("elink", params, post=True, join_ids=False), linkname)

            part = self._with_retries("elink", once)
            for pmid, found in part.links.items():
                answer.links.setdefault(pmid, []).extend(found)
            answer.unknown += part.unknown
        return answer

    def reference_lists(self, pmids: list[str]) -> dict[str, list[str]]:
        """The PMIDs in each record's PubMed ReferenceList (records without one are absent)."""
        lists: dict[str, list[str]] = {}
        for start in range(0, len(pmids), self.fetch_batch):
            params = {"db": "pubmed", "id": ",".join(pmids[start : start + self.fetch_batch]),
                      "retmode": "xml"}

            def once(params: dict[str, Any] = params) -> dict[str, list[str]]:
                return read_reference_lists(self._get("efetch", params, post=True))

            lists.update(self._with_retries("efetch", once))
        return lists

    def citation_matches(self, queries: list[CitationQuery], *, batch: int = 100) -> dict[str, CitationMatch]:
        """ECitMatch: key -> PMID, candidates or nothing, for journal|year|volume|page|author."""
        found: dict[str, CitationMatch] = {}
        for start in range(0, len(queries), batch):
            lines = "\r".join(q.line() for q in queries[start : start + batch])
            params = {"db": "pubmed", "retmode": "xml", "bdata": lines}

            def once(params: dict[str, Any] = params) -> dict[str, CitationMatch]:
                return read_ecitmatch(self._get("ecitmatch", params).decode("utf-8", "replace"))

            found.update(self._with_retries("ecitmatch", once))
        return found


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _transient(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    return f"{type(reason).__name__}: {reason}"


def _read_esearch(data: bytes) -> SearchResult:
    try:
        parsed = Entrez.read(io.BytesIO(data))
    except RuntimeError as exc:
        raise EntrezError(f"esearch: PubMed answered an error: {exc}") from None
    except Exception as exc:  # Bio.Entrez raises bare ValueError/ExpatError on bad XML
        raise ParseError(f"esearch answer is not valid eSearchResult XML ({exc})", file="esearch") from None
    if "ERROR" in parsed:
        raise EntrezError(f"esearch: PubMed answered an error: {parsed['ERROR']}")
    return SearchResult(
        count=int(parsed["Count"]),
        ids=[str(i) for i in parsed.get("IdList", [])],
        webenv=parsed.get("WebEnv"),
        query_key=parsed.get("QueryKey"),
        translation=parsed.get("QueryTranslation"),
        warnings=_esearch_warnings(parsed),
    )


ESEARCH_NOTES = {
    "PhraseNotFound": "term not found in PubMed, left out of the search",
    "FieldNotFound": "search field not recognised",
    "QuotedPhraseNotFound": "quoted phrase not found",
    "PhraseIgnored": "term ignored",
}
"""esearch's ErrorList and WarningList. PubMed runs the rest of a query whose term it cannot find:
the web page says so above the results; an E-utilities caller only learns it from these lists."""


def _esearch_warnings(parsed: Any) -> list[str]:
    warnings = []
    for group in ("ErrorList", "WarningList"):
        for kind, values in dict(parsed.get(group) or {}).items():
            if kind == "OutputMessage":  # 'No items found.': the count says it
                continue
            warnings += [f"{ESEARCH_NOTES.get(kind, kind)}: {value}" for value in values]
    return warnings


def _parse_date(text: str, end: bool = False) -> date:
    parts = [int(p) for p in text.split("/")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if end else 1)
    if len(parts) > 2:
        return date(year, month, parts[2])
    if not end:
        return date(year, month, 1)
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    return next_month - timedelta(days=1)


def _fmt(day: date) -> str:
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
