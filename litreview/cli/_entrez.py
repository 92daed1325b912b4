"""The PubMed client as the commands use it: on a terminal, each retry is shown as it happens."""

from __future__ import annotations

import sys

import click

from litreview.pubmed.client import EntrezClient


def on_terminal() -> bool:
    return sys.stderr.isatty()


def entrez_client() -> EntrezClient:
    """A client that tells a person at a terminal why it is waiting ('esearch: HTTP 503; retry 2
    of 6 in 4 s'); in cron and pipes, retries stay quiet and only a final failure is printed."""
    if not on_terminal():
        return EntrezClient()
    return EntrezClient(on_retry=lambda line: click.echo(f"PubMed: {line}", err=True))
