"""No process-wide side effects (#17 item 8): the Entrez client sets no socket default timeout and
no Bio.Entrez module setting, and talks through an opener a test can inject; citeproc-py is patched
only by bibliography.citeproc_patches, when a bibliography is made; matplotlib's backend is not set."""

import io
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import Request

import Bio.Entrez
import pytest

from litreview.config import NcbiSettings
from litreview.pubmed.client import EntrezClient, RateLimit, build_request
from tests.eutils_server import ESEARCH_DOCTYPE

PACKAGE = Path(__file__).resolve().parents[1] / "litreview"
ESEARCH = ('<?xml version="1.0" ?>' + ESEARCH_DOCTYPE + "<eSearchResult><Count>2</Count><RetMax>2</RetMax>"
           "<RetStart>0</RetStart><IdList><Id>11</Id><Id>12</Id></IdList><TranslationSet/>"
           "<QueryTranslation>emh[All Fields]</QueryTranslation></eSearchResult>").encode()


class Recorder:
    """An injected transport: records each request and its timeout, answers with canned bytes."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent: list[tuple[Request, float]] = []

    def __call__(self, request: Request, timeout: float) -> io.BytesIO:
        self.sent.append((request, timeout))
        return io.BytesIO(self.body)


def _settings(**changes: str | None) -> NcbiSettings:
    values = {"email": "me@example.org", "api_key": None, "tool": "litreview",
              "eutils_url": "http://eutils.invalid/entrez/eutils"}
    values.update(changes)
    return NcbiSettings(**values)  # type: ignore[arg-type]


def test_requests_go_through_an_injected_opener_with_the_clients_timeout(clock) -> None:
    opener = Recorder(ESEARCH)
    client = EntrezClient(_settings(api_key="k" * 36), opener=opener, timeout=7.5)
    found = client.esearch("emh", retmax=2)
    assert found.ids == ["11", "12"] and found.count == 2
    ((request, timeout),) = opener.sent
    assert timeout == 7.5 and request.get_method() == "GET"
    assert request.full_url.startswith("http://eutils.invalid/entrez/eutils/esearch.fcgi?")
    for part in ("term=emh", "tool=litreview", "email=me%40example.org", "api_key=" + "k" * 36):
        assert part in request.full_url


def test_200_ids_are_posted_and_ecitmatch_keeps_its_bars(clock) -> None:
    many = build_request("http://x/efetch.fcgi", {"db": "pubmed", "id": [str(n) for n in range(200)]},
                         _settings())
    few = build_request("http://x/efetch.fcgi", {"db": "pubmed", "id": ["1", "2"]}, _settings())
    bars = build_request("http://x/ecitmatch.cgi", {"bdata": "j|1990|5|||k|"}, _settings(), keep_bars=True)
    assert many.get_method() == "POST" and b"id=0%2C1%2C2" in (many.data or b"")
    assert few.get_method() == "GET" and "id=1%2C2" in few.full_url
    assert "bdata=j|1990|5|||k|" in bars.full_url


def test_a_search_changes_nothing_process_wide(clock) -> None:
    before_timeout = socket.getdefaulttimeout()
    Bio.Entrez.email, Bio.Entrez.tool = "someone-else@example.org", "another-tool"
    try:
        EntrezClient(_settings(api_key="k" * 36), opener=Recorder(ESEARCH), timeout=3).esearch("emh")
        assert socket.getdefaulttimeout() == before_timeout
        assert (Bio.Entrez.email, Bio.Entrez.tool, Bio.Entrez.api_key) == (
            "someone-else@example.org", "another-tool", None)
    finally:
        Bio.Entrez.email, Bio.Entrez.tool = None, "biopython"


def test_clients_share_ncbis_rate_limit_unless_given_their_own(clock) -> None:
    first = EntrezClient(_settings(), opener=Recorder(ESEARCH))
    second = EntrezClient(_settings(), opener=Recorder(ESEARCH))
    first.esearch("emh")
    second.esearch("emh")
    assert clock.sleeps == [pytest.approx(RateLimit.SPACING)]
    EntrezClient(_settings(), opener=Recorder(ESEARCH), rate=RateLimit()).esearch("emh")
    assert len(clock.sleeps) == 1


def test_no_module_reaches_into_private_or_process_wide_settings() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"Entrez\._\w+", r"Entrez\.(?:email|tool|api_key|max_tries)\s*=",
                        r"setdefaulttimeout\(", r"matplotlib\.use\(",
                        r"import matplotlib\.pyplot|from matplotlib import pyplot"):
            offences += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
        if path.name != "citeproc_patches.py":
            offences += [f"{path.name}: {m.group(0)}" for m in
                         re.finditer(r"^\s*(?:citeproc|model)\.\w+(?:\.\w+)*\s*=[^=]", text, re.M)]
    assert offences == []


def test_importing_the_package_patches_nothing_and_sets_no_backend() -> None:
    """In a fresh interpreter: every module imported, citeproc-py's methods and matplotlib's backend
    are as they were; citeproc is patched only by making a bibliography."""
    code = (
        "import importlib, pkgutil, litreview\n"
        "import citeproc.model as m, matplotlib\n"
        "xpath, backend = m.CitationStylesElement.xpath_search, matplotlib.get_backend()\n"
        "for info in pkgutil.walk_packages(litreview.__path__, 'litreview.'):\n"
        "    if not info.name.endswith('__main__'):\n"
        "        importlib.import_module(info.name)\n"
        "assert m.CitationStylesElement.xpath_search is xpath, 'patched at import'\n"
        "assert matplotlib.get_backend() == backend, 'backend set at import'\n"
        "from litreview.bibliography import citeproc_patches\n"
        "citeproc_patches.apply()\n"
        "assert m.CitationStylesElement.xpath_search is not xpath, 'apply() patches'\n"
        "print('ok')\n")
    _prints_ok_in_a_fresh_interpreter(code)


def test_another_citeproc_version_renders_unpatched_with_a_warning() -> None:
    """The patches replace citeproc-py's internals as 0.11 has them: under another version nothing
    is patched (not half of it), a RuntimeWarning says so, and a bibliography is still made."""
    code = (
        "import warnings, citeproc, citeproc.model as m\n"
        "citeproc.__version__ = '0.99.0'\n"
        "xpath = m.CitationStylesElement.xpath_search\n"
        "from litreview.bibliography import citeproc_patches, format_references\n"
        "from litreview.records import Author, Record\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    assert citeproc_patches.apply() is False\n"
        "    record = Record(title='A trial', authors=[Author(family='Smith', given='Ann')], year=2020,\n"
        "                    journal='BMJ', volume='1', pages='1-2')\n"
        "    text = format_references([record], 'apa', 'text')\n"
        "assert m.CitationStylesElement.xpath_search is xpath, 'patched under another version'\n"
        "said = [str(w.message) for w in caught]\n"
        "assert any('rendering unpatched' in message for message in said), said\n"
        "assert 'Smith' in str(text), text\n"
        "print('ok')\n")
    _prints_ok_in_a_fresh_interpreter(code)


def _prints_ok_in_a_fresh_interpreter(code: str) -> None:
    """Runs `code` where nothing has been imported or patched yet (no MPLBACKEND either)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(PACKAGE.parent), "MPLBACKEND": "", "PATH": ""})
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
