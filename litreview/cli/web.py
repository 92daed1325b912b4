"""litreview serve: the browser app for the review team."""

from __future__ import annotations

import webbrowser

import click

from litreview.cli._group import Review, cli, pass_review
from litreview.screening import decisions as sc
from litreview.store import web as web_store
from litreview.web import server, tokens


@cli.command()
@click.option("--host", default=server.DEFAULT_HOST, show_default=True,
              help="Address to serve on; another than 127.0.0.1 shares the app on your network.")
@click.option("--port", default=server.DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option("--reviewer", "reviewers", multiple=True, metavar="NAME",
              help="Print a link for this reviewer (repeat for several).")
@click.option("--add-reviewer", "added", multiple=True, metavar="NAME",
              help="Print a new link for NAME and exit (a running server accepts it at once).")
@click.option("--revoke", "revoked", multiple=True, metavar="NAME",
              help="Revoke every link of NAME and exit.")
@click.option("--list-reviewers", is_flag=True, help="List the reviewers holding a live link and exit.")
@click.option("--order", type=click.Choice(sc.ORDERS), default="random", show_default=True,
              help="The order records are offered in (as litreview screen --order).")
@click.option("--open", "open_browser", is_flag=True, help="Open the first reviewer's link in the browser.")
@pass_review
def serve(review: Review, host: str, port: int, reviewers: tuple[str, ...], added: tuple[str, ...],
          revoked: tuple[str, ...], list_reviewers: bool, order: str, open_browser: bool) -> None:
    """Serve the screening app; prints one line 'NAME URL' per reviewer (the URL is their secret link)."""
    library = review.library
    if revoked or list_reviewers:
        for name in revoked:
            click.echo(f"{name}: {tokens.revoke(library, name)} link(s) revoked")
        for row in web_store.reviewers_with_tokens(library) if list_reviewers else []:
            click.echo(f"{row['reviewer']}\t{row['links']} live link(s) since {row['since']}")
        return
    if added:
        base = server.Served(None, host, port)
        for name in added:
            click.echo(f"{name} {base.link(tokens.issue(library, name))}")
        return
    names = server.reviewers_to_link(library, list(reviewers))
    served = server.bind(review.db_path, review.queries_dir, host, port, order)
    links = server.issue_links(library, served, names)
    if served.site is not None:
        served.site.warm(names)
    for name, url in links:
        click.echo(f"{name} {url}")
    reach = ("only this machine can connect (--host to share it on your network)" if served.local_only
             else "anyone on your network with a link can open it")
    click.echo(f"Serving {review.db_path} at {served.base_url()}/ — {reach}. Ctrl-C stops.", err=True)
    if open_browser:
        webbrowser.open(links[0][1])
    try:
        served.run()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        served.close()
