from pathlib import Path

import pytest

from litreview.errors import QueryFileError
from litreview.queries import SavedSearch, find_query, load_queries, load_query, save_query

SEED_FILE = Path(__file__).resolve().parents[1] / "queries" / "paraspinal-emh-thalassemia.toml"


def test_seed_search_is_a_librarians_query():
    search = load_query(SEED_FILE)
    assert search.name == "paraspinal-emh-thalassemia" and search.database == "pubmed"
    for concept in ('"Hematopoiesis, Extramedullary"[Mesh]', '"Thalassemia"[Mesh]',
                    '"Spinal Cord Compression"[Mesh]', "radiotherap*[tiab]", '"Hydroxyurea"[Mesh]',
                    '"Fetal Hemoglobin"[Mesh]', '"Magnetic Resonance Imaging"[Mesh]'):
        assert concept in search.term
    assert search.term.count("(") == search.term.count(")")
    assert "\n" not in search.term


def test_save_and_load_round_trip(tmp_path):
    search = SavedSearch(name="emh", term="a AND b", mindate="2000", maxdate="2010/06", datetype="edat")
    save_query(tmp_path, search)
    assert load_queries(tmp_path) == [search]
    assert search.params() == {"mindate": "2000", "maxdate": "2010/06", "datetype": "edat"}
    with pytest.raises(QueryFileError, match="exists"):
        save_query(tmp_path, search)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\n", "missing 'term'"),
        ("term = ''\n", "'term' is empty"),
        ("term = 'a'\ndatabase = 'embase'\n", "database 'embase' is not supported"),
        ("term = 'a'\nmindate = '2001-01'\nmaxdate = '2002'\n", "mindate '2001-01' is not a date"),
        ("term = 'a'\nmindate = '2001'\n", "needs both mindate and maxdate"),
        ("term = 'a'\ncolour = 'blue'\n", "unknown keys ['colour']"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "q.toml"
    path.write_text(text)
    with pytest.raises(QueryFileError, match="q.toml") as caught:
        load_query(path)
    assert message in str(caught.value)


def test_find_query_lists_known_names(tmp_path):
    save_query(tmp_path, SavedSearch(name="emh", term="x"))
    with pytest.raises(QueryFileError, match=r"\(saved searches: emh\)"):
        find_query(tmp_path, "nope")
