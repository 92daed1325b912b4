"""A local stand-in for NCBI E-utilities (esearch, efetch, elink, ecitmatch) on 127.0.0.1, for
tests and benchmarks.

It behaves like PubMed where our client depends on it: the history server (WebEnv/query_key),
retstart/retmax, the 9,999-id ceiling of esearch, date limits, GET and POST, silently missing ids
in efetch, 429 for clients faster than 3 requests/s (10 with an api_key), and faults injected for
the next requests (HTTP 5xx or 429, truncated XML, a dropped connection, a stall past the
client's timeout). esearch understands the
query shapes our client builds besides the terms a test registers: `(TERM) AND (1[uid] OR 2[uid])`,
`"10.x/y"[aid]`, and `word[ti] AND 2006[dp] AND Name[au]`. elink answers one LinkSet per `id=`
(none with no LinkSetDb when a record has no links, an ERROR for PMIDs PubMed no longer has,
a record itself first among its similar articles); ecitmatch answers its plain-text lines.
"""

from __future__ import annotations

import re
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


def article_xml(pmid: str, day: date, title: str | None = None, *, journal: str = "European spine journal",
                iso: str = "Eur Spine J", volume: str | None = None, pages: str | None = None,
                author: str = "Haidar", doi: str | None = None, references: list[str] | None = None,
                issue: str = "2", publication_types: tuple[str, ...] = ("Journal Article",),
                corrections: tuple[tuple[str, str, str], ...] = (), revised: date | None = None,
                status: str = "ppublish") -> str:
    """A small but real-shaped PubmedArticle: a ReferenceList when `references` is given;
    `corrections` are CommentsCorrections (RefType, RefSource, PMID); `revised` is DateRevised (a
    newer version of a record carries a newer one)."""
    title = title or f"Extramedullary hematopoiesis case {pmid}"
    volume = volume or str(day.year % 50 + 1)
    pages = pages or f"{int(pmid) % 900 + 1}-9"
    doi = doi or f"10.9999/test.{pmid}"
    reference_list = "" if references is None else "<ReferenceList>" + "".join(
        f"<Reference><Citation>Reference {r}.</Citation><ArticleIdList><ArticleId IdType=\"pubmed\">{r}"
        "</ArticleId></ArticleIdList></Reference>" for r in references) + "</ReferenceList>"
    types = "".join(f"<PublicationType>{escape(kind)}</PublicationType>" for kind in publication_types)
    comments = "" if not corrections else "<CommentsCorrectionsList>" + "".join(
        f'<CommentsCorrections RefType="{kind}"><RefSource>{escape(source)}</RefSource>'
        f'<PMID Version="1">{linked}</PMID></CommentsCorrections>' for kind, source, linked in corrections
    ) + "</CommentsCorrectionsList>"
    revised_xml = "" if revised is None else (
        f"<DateRevised><Year>{revised.year}</Year><Month>{revised.month:02d}</Month>"
        f"<Day>{revised.day:02d}</Day></DateRevised>")
    issue_xml = f"<Issue>{issue}</Issue>" if issue else ""
    pages_xml = f"<Pagination><MedlinePgn>{pages}</MedlinePgn></Pagination>" if pages != "-" else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'{revised_xml}<Article PubModel="Print"><Journal><ISSN IssnType="Print">0940-6719</ISSN>'
        f'<JournalIssue CitedMedium="Internet"><Volume>{volume}</Volume>{issue_xml}'
        f"<PubDate><Year>{day.year}</Year><Month>{day:%b}</Month><Day>{day.day:02d}</Day></PubDate>"
        f"</JournalIssue><Title>{escape(journal)}</Title><ISOAbbreviation>{escape(iso)}"
        f"</ISOAbbreviation></Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"{pages_xml}"
        f'<Abstract><AbstractText Label="BACKGROUND">Paraspinal masses in thalassemia.</AbstractText>'
        f"</Abstract><AuthorList><Author><LastName>{escape(author)}</LastName><ForeName>Rachid</ForeName>"
        f"<Initials>R</Initials></Author></AuthorList><Language>eng</Language>"
        f"<PublicationTypeList>{types}</PublicationTypeList></Article>{comments}"
        f'</MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>'
        f'<ArticleId IdType="doi">{escape(doi)}</ArticleId></ArticleIdList>'
        f"<PublicationStatus>{status}</PublicationStatus>{reference_list}</PubmedData></PubmedArticle>\n"
    )


@dataclass
class Corpus:
    """The stand-in's PubMed: articles by PMID with their publication dates, and term -> PMIDs."""

    articles: dict[str, tuple[date, str]] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    """Phrases PubMed cannot search, and what it says of them when a query holds one
    ('extramedulary' -> 'PhraseNotFound'; 'QuotedPhraseNotFound', 'FieldNotFound', ...)."""

    links: dict[tuple[str, str], list[tuple[str, int | None]]] = field(default_factory=dict)
    """(linkname, PMID) -> the PMIDs ELink lists for it, with scores for pubmed_pubmed."""
    gone: set[str] = field(default_factory=set)
    """PMIDs PubMed no longer has (ELink answers them with an ERROR)."""

    def add(self, pmid: str, day: date, xml: str | None = None) -> None:
        self.articles[pmid] = (day, xml or article_xml(pmid, day))

    def hits(self, term: str, mindate: str | None, maxdate: str | None) -> list[str]:
        pmids = self.matching(" ".join(term.split()))
        if mindate and maxdate:
            lo, hi = _bound(mindate, end=False), _bound(maxdate, end=True)
            pmids = [p for p in pmids if lo <= self.articles[p][0] <= hi]
        return sorted(pmids, key=int, reverse=True)


    def matching(self, term: str) -> list[str]:
        if term in self.terms:
            return list(self.terms[term])
        restricted = re.fullmatch(r"\((.*)\) AND \(((?:\d+\[uid\])(?: OR \d+\[uid\])*)\)", term)
        if restricted:
            inner = set(self.matching(restricted.group(1)))
            return [uid for uid in re.findall(r"(\d+)\[uid\]", restricted.group(2)) if uid in inner]
        doi = re.fullmatch(r'"(10\.[^"]+)"\[aid\]', term)
        if doi:
            return [p for p, (_, xml) in self.articles.items()
                    if f'idtype="doi">{escape(doi.group(1))}<'.lower() in xml.lower()]
        if "[ti]" in term:
            return [p for p, (_, xml) in self.articles.items()
                    if all(_clause_holds(clause, xml) for clause in term.split(" AND "))]
        return []

    def citation(self, line: str) -> str:
        """One ecitmatch line: journal|year|volume|first page|author|key| -> the same + answer."""
        fields = (line.split("|") + [""] * 6)[:6]
        journal, year, volume, page, author = (f.strip().lower() for f in fields[:5])
        found = [p for p, (day, xml) in self.articles.items()
                 if str(day.year) == year and _tag(xml, "Volume").lower() == volume
                 and _tag(xml, "MedlinePgn").split("-")[0].lower() == page
                 and journal in (_tag(xml, "Title").lower(), _tag(xml, "ISOAbbreviation").lower())
                 and (not author or _tag(xml, "LastName").lower() == author.split()[0])]
        answer = found[0] if len(found) == 1 else ("AMBIGUOUS " + ",".join(found) if found else "NOT_FOUND")
        return "|".join(fields) + "|" + answer


def _tag(xml: str, tag: str) -> str:
    found = re.search(f"<{tag}>([^<]*)</{tag}>", xml)
    return found.group(1).strip() if found else ""


def _clause_holds(clause: str, xml: str) -> bool:
    word, _, field_tag = clause.strip().partition("[")
    field_tag = field_tag.rstrip("]")
    if field_tag == "ti":
        return re.search(rf"\b{re.escape(word)}\b", _tag(xml, "ArticleTitle"), re.I) is not None
    if field_tag == "au":
        return _tag(xml, "LastName").lower() == word.lower()
    if field_tag == "dp":
        return _tag(xml, "Year") == word
    return False


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

    def elink(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        linkname = query.get("linkname", [""])[-1]
        scored = query.get("cmd", [""])[-1] == "neighbor_score"
        sets = []
        for value in query.get("id", []):
            ids = [i for i in value.split(",") if i]
            sets.append(self._link_set(ids, linkname, scored))
        return 200, (f'<?xml version="1.0" encoding="UTF-8" ?>\n{ELINK_DOCTYPE}\n<eLinkResult>'
                     + "".join(sets) + "</eLinkResult>\n").encode()

    def _link_set(self, ids: list[str], linkname: str, scored: bool) -> str:
        id_list = "<DbFrom>pubmed</DbFrom><IdList>" + "".join(f"<Id>{i}</Id>" for i in ids) + "</IdList>"
        if any(i in self.corpus.gone for i in ids):
            return f"<LinkSet>{id_list}<ERROR>Invalid uid {','.join(ids)} at position= 0</ERROR></LinkSet>"
        links: list[tuple[str, int | None]] = []
        for i in ids:
            links += self.corpus.links.get((linkname, i), [])
        if not links:
            return f"<LinkSet>{id_list}</LinkSet>"
        body = "".join(f"<Link><Id>{p}</Id>" + (f"<Score>{s}</Score>" if scored and s is not None else "")
                       + "</Link>" for p, s in links)
        return (f"<LinkSet>{id_list}<LinkSetDb><DbTo>pubmed</DbTo><LinkName>{linkname}</LinkName>{body}"
                "</LinkSetDb></LinkSet>")

    def ecitmatch(self, params: dict[str, str]) -> tuple[int, bytes]:
        lines = [line for line in re.split(r"[\r\n]+", params.get("bdata", "")) if line.strip()]
        return 200, ("\n".join(self.corpus.citation(line) for line in lines) + "\n").encode()


ELINK_DOCTYPE = ('<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
                 '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">')
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
        if fault and fault.startswith("stall"):  # 'stall0.5': answer nothing for 0.5 s, then close
            time.sleep(float(fault[5:] or 1))
            self.close_connection = True
            return None
        if util == "esearch.fcgi":
            status, body = stand_in.esearch(params)
        elif util == "efetch.fcgi":
            status, body = stand_in.efetch(params)
        elif util == "elink.fcgi":
            status, body = stand_in.elink(query)
        elif util == "ecitmatch.cgi":
            status, body = stand_in.ecitmatch(params)
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
