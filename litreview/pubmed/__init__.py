"""PubMed: `client` is the only module that talks to NCBI's E-utilities; `xml` streams PubMed XML
into Records."""
