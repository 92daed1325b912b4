"""The Entrez client against the local E-utilities stand-in (real HTTP on 127.0.0.1)."""

from datetime import date, timedelta

import pytest

from litreview.errors import EntrezError
from litreview.pubmed.client import EntrezClient, redact


def _fill(corpus, term, n, start=date(2000, 1, 1), first_pmid=20_000_000, step_days=1):
    pmids = [str(first_pmid + i) for i in range(n)]
    for i, pmid in enumerate(pmids):
        corpus.add(pmid, start + timedelta(days=i * step_days))
    corpus.terms[term] = corpus.terms.get(term, []) + pmids
    return pmids


def test_esearch_reports_count_history_and_translation(eutils, clock):
    _fill(eutils.corpus, "emh", 25)
    found = EntrezClient().esearch("emh", retmax=10)
    assert found.count == 25 and len(found.ids) == 10
    assert found.webenv and found.query_key == "1"
    assert found.translation == "emh"
    assert eutils.stand_in.log[0]["email"] == "reviewer@example.org"
    assert eutils.stand_in.log[0]["tool"] == "litreview"


def test_fetch_history_in_batches(eutils, clock):
    pmids = _fill(eutils.corpus, "emh", 1_200)
    client = EntrezClient(fetch_batch=500)
    found = client.search_ids("emh")
    batches = list(client.fetch_history(found))
    assert [len(b) for b in batches] == [500, 500, 200]
    assert {r.pmid for b in batches for r in b} == set(pmids)
    fetches = [e for e in eutils.stand_in.log if e["util"] == "efetch.fcgi"]
    assert [e["retstart"] for e in fetches] == ["0", "500", "1000"]
    assert all(e["WebEnv"] == found.webenv for e in fetches)


def test_fetch_by_id_posts_long_lists(eutils, clock):
    pmids = _fill(eutils.corpus, "emh", 300)
    records = [r for b in EntrezClient(fetch_batch=250).fetch(pmids) for r in b]
    assert len(records) == 300
    assert {e["method"] for e in eutils.stand_in.log} == {"POST"}


def test_query_over_ceiling_is_split_by_date(eutils, clock):
    pmids = _fill(eutils.corpus, "big", 12_000, start=date(1995, 1, 1))
    found = EntrezClient().search_ids("big")
    assert found.count == 12_000
    assert sorted(found.ids) == sorted(pmids)
    assert len(found.slices) >= 2
    assert all(n <= 9_999 for _, _, n in found.slices)
    assert sum(n for _, _, n in found.slices) == 12_000
    searches = [e for e in eutils.stand_in.log if e["util"] == "esearch.fcgi"]
    assert all(int(e.get("retstart", 0)) + int(e["retmax"]) <= 9_999 for e in searches)
    assert searches[1]["datetype"] == "pdat"


def test_split_respects_saved_date_limits(eutils, clock):
    _fill(eutils.corpus, "big", 12_000, start=date(1995, 1, 1))
    found = EntrezClient().search_ids("big", mindate="1990/01/01", maxdate="1999/12/31",
                                      datetype="edat")
    assert found.count == sum(1 for _, (d, _) in eutils.corpus.articles.items() if d.year < 2000)
    assert len(found.ids) == found.count


def test_transient_failures_are_retried_with_backoff(eutils, clock):
    _fill(eutils.corpus, "emh", 40)
    eutils.stand_in.faults.extend(["503", "truncate", "drop", "429"])
    client = EntrezClient(fetch_batch=100, backoff=2.0)
    found = client.search_ids("emh")
    records = [r for b in client.fetch_history(found) for r in b]
    assert len(records) == 40
    backoffs = [s for s in clock.sleeps if s >= 2.0]
    assert backoffs == [2.0, 4.0, 8.0, 16.0]


def test_persistent_failure_raises_clear_error(eutils, clock):
    _fill(eutils.corpus, "emh", 5)
    eutils.stand_in.faults.extend(["500"] * 3)
    with pytest.raises(EntrezError, match="esearch failed after 3 attempts: HTTP 500"):
        EntrezClient(max_attempts=3).search_ids("emh")


def test_client_error_is_not_retried(eutils, clock):
    eutils.stand_in.faults.append("400")
    with pytest.raises(EntrezError, match="HTTP 400"):
        EntrezClient().search_ids("emh")
    assert len(eutils.stand_in.log) == 1


def test_api_key_is_sent_but_never_shown(eutils, clock, monkeypatch):
    monkeypatch.setenv("NCBI_API_KEY", "s3cretKEY123")
    _fill(eutils.corpus, "emh", 3)
    eutils.stand_in.faults.extend(["500"] * 2)
    with pytest.raises(EntrezError) as caught:
        EntrezClient(max_attempts=2).search_ids("emh")
    assert "s3cretKEY123" not in str(caught.value)
    assert eutils.stand_in.log[0]["api_key"] == "s3cretKEY123"
    assert redact("http://x/esearch.fcgi?api_key=s3cretKEY123&db=pubmed", "s3cretKEY123") == (
        "http://x/esearch.fcgi?api_key=REDACTED&db=pubmed"
    )


@pytest.mark.parametrize(("key", "spacing"), [(None, 0.37), ("k" * 36, 0.1)])
def test_requests_are_spaced_to_ncbi_limits(eutils, clock, monkeypatch, key, spacing):
    if key:
        monkeypatch.setenv("NCBI_API_KEY", key)
    eutils.stand_in.clock = clock
    pmids = _fill(eutils.corpus, "emh", 50)
    client = EntrezClient(fetch_batch=10)
    list(client.fetch(pmids))
    times = [e["t"] for e in eutils.stand_in.log]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) == pytest.approx(spacing)


def test_real_time_burst_is_never_answered_429(eutils):
    """No fake clock: the stand-in enforces 3 requests/s and the client must stay under it."""
    eutils.stand_in.enforce_rate = True
    pmids = _fill(eutils.corpus, "emh", 60)
    records = [r for b in EntrezClient(fetch_batch=10).fetch(pmids) for r in b]
    assert len(records) == 60
    assert eutils.stand_in.served_429_for_rate == 0


def test_no_email_gives_no_biopython_warning(eutils, clock, monkeypatch):
    """The CLI asks for NCBI_EMAIL in one line; Bio.Entrez's own 15-line warning is not repeated."""
    import warnings

    from litreview.config import ncbi_settings

    monkeypatch.delenv("NCBI_EMAIL")
    _fill(eutils.corpus, "emh", 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = EntrezClient(ncbi_settings()).esearch("emh", retmax=3)
    assert found.count == 3 and "email" not in eutils.stand_in.log[0]
    assert [str(w.message) for w in caught if "Email" in str(w.message)] == []
