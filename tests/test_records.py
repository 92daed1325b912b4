from litreview.records import (
    Author,
    Record,
    clean_text,
    fold,
    initials_of,
    normalise,
    normalise_doi,
    normalise_pmid,
)


def test_clean_text_strips_markup_and_entities():
    assert clean_text("β<sub>2</sub>-agonists &amp; <i>in vivo</i>\n  data") == "β2-agonists & in vivo data"
    assert clean_text("   ") is None
    assert clean_text(None) is None


def test_normalise_doi_forms():
    assert normalise_doi("https://doi.org/10.1007/S00586-009-1206-3") == "10.1007/s00586-009-1206-3"
    assert normalise_doi("doi: 10.1002/14651858.CD001.pub2.") == "10.1002/14651858.cd001.pub2"
    assert normalise_doi("not a doi") is None
    assert normalise_doi("10.25300/MISQ/2021/16085/") == "10.25300/misq/2021/16085"
    assert normalise_doi("10.25300/MISQ/2020/15273)") == "10.25300/misq/2020/15273"
    assert normalise_doi("10.1016/S0140-6736(07)61234-0") == "10.1016/s0140-6736(07)61234-0"
    assert normalise_doi("10.1002/(sici)1097-0258(1998)") == "10.1002/(sici)1097-0258(1998)"


def test_normalise_pmid():
    assert normalise_pmid("PMID: 019830459") == "19830459"
    assert normalise_pmid("") is None
    assert normalise_pmid(None) is None


def test_initials_and_short_author():
    assert initials_of("Maria Domenica") == "MD"
    assert initials_of("J.-P.") == "JP"
    assert Author(family="Cappellini", given="Maria Domenica").short() == "Cappellini MD"
    assert Author(collective="Thalassemia Clinical Research Network").short() == (
        "Thalassemia Clinical Research Network"
    )


def test_fold_for_comparison():
    assert fold("Hématopoïèse  extra-médullaire") == "hematopoiese extra medullaire"
    assert fold("1998–2014 Smith–Jones") == fold("1998-2014 Smith-Jones") == "1998 2014 smith jones"


def test_original_language_title_behind_its_mark():
    record = normalise(Record(title="Definitive cardiac stimulation. A comparative study. <ORIGINAL> "
                                    "LA ESTIMULACION CARDIACA DEFINITIVA"))
    assert record.title == "Definitive cardiac stimulation. A comparative study."
    assert record.vernacular_title == "LA ESTIMULACION CARDIACA DEFINITIVA"


def test_round_trip_through_row():
    record = normalise(
        Record(
            title="<i>Paraspinal</i> EMH",
            doi="DOI: 10.1/ABC",
            authors=[Author(family="Haidar", given="Rachid")],
            source_db="PubMed",
            source_key="1",
        )
    )
    again = Record.from_row(record.to_row())
    assert again == record
    assert again.title == "Paraspinal EMH"
    assert again.authors[0].initials == "R"
