"""The Flask app: reviewer links, CSRF, safe headers, one library connection per server thread.

Every URL lives under /r/<token>/: the token says who screens, and a request without a live one
gets 403 and a page that names nothing from the library. State changes are POSTs carrying a form
token derived from the link's token (tokens.csrf_token); pages are Jinja templates, autoescaped.
Handlers call the same library functions as the CLI and hold no screening logic themselves.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, abort, g, render_template, request
from werkzeug.exceptions import HTTPException

from litreview.screening import decisions as sc
from litreview.screening.screener import search_words
from litreview.store import Library
from litreview.store import web as web_store
from litreview.store.library import StoreError, is_busy
from litreview.web import text, tokens
from litreview.web.queue import ScreeningQueues

T = TypeVar("T")
RETRIES = 5
STAGE_LABELS = sc.STAGE_NAMES


@dataclass
class Site:
    """What every request needs: where the library is, the open connections, the queues."""

    db_path: Path
    queries_dir: Path
    queues: ScreeningQueues
    local: threading.local
    secret: str = ""

    def library(self) -> Library:
        """This thread's connection (sqlite3 connections stay in the thread that opened them)."""
        library = getattr(self.local, "library", None)
        if library is None:
            library = Library(self.db_path)
            self.local.library = library
        return library

    def warm(self, reviewers: list[str]) -> threading.Thread:
        """Build the reviewers' title/abstract orders in the background, so the first page each
        opens does not wait for it (a second or two at 50,000 records)."""
        def build() -> None:
            with Library(self.db_path) as library:
                for name in reviewers:
                    self.queues.order(library, name, sc.STAGES[0])
        thread = threading.Thread(target=build, name="litreview-warm", daemon=True)
        thread.start()
        return thread

    def keywords(self, library: Library) -> tuple[list[str], list[str]]:
        settings = sc.load_settings(library)
        return settings.include_keywords or search_words(self.queries_dir), settings.exclude_keywords


def retrying(action: Callable[[], T]) -> T:
    """Run a write, again if SQLite reports the library busy past its timeout: another reviewer's
    browser, a terminal decide and a cron update may all be writing."""
    for attempt in range(RETRIES):
        try:
            return action()
        except StoreError as exc:
            if not is_busy(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")


def site() -> Site:
    value: Site = g.site
    return value


class ReviewApp(Flask):
    """Flask, but an error's log line names the page without the reviewer's secret token."""

    def log_exception(self, exc_info: Any) -> None:
        self.logger.error("Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info)


def redact(path: str) -> str:
    """'/r/<token>/screen/ta' -> '/r/…/screen/ta'."""
    return re.sub(r"^/r/[^/]*", "/r/…", path)


def create_app(db_path: Path, queries_dir: Path, order: str = "random") -> Flask:
    """The app for one review's library."""
    app = ReviewApp(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    queues = ScreeningQueues(order, Path(db_path))
    the_site = Site(Path(db_path), Path(queries_dir), queues, threading.local())
    the_site.secret = web_store.signing_secret(the_site.library())
    app.extensions["litreview"] = the_site

    @app.before_request
    def _attach() -> None:
        g.site = the_site
        g.nonce = secrets.token_urlsafe(12)

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = getattr(g, "nonce", "none")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self';"
            " connect-src 'self';"
            " form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", code=exc.code, message=_message(exc)), exc.code or 500

    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
    @app.route("/<path:rest>", methods=["GET", "POST"])
    def _no_token(rest: str) -> Any:
        abort(403)

    from litreview.web import pages, screen

    reviewer_pages = Blueprint("r", __name__, url_prefix="/r/<token>")
    reviewer_pages.before_request(_authenticate)
    reviewer_pages.url_value_preprocessor(_pop_token)
    reviewer_pages.url_defaults(_add_token)
    screen.register(reviewer_pages)
    pages.register(reviewer_pages)
    app.register_blueprint(reviewer_pages)
    app.jinja_env.globals.update(stage_labels=STAGE_LABELS, stages=sc.STAGES)
    app.jinja_env.filters["duration"] = text.duration
    return app


def _message(exc: HTTPException) -> str:
    if exc.code == 403:
        return ("This page needs your personal link. Open the link that `litreview serve` printed "
                "for you, or ask the review's lead for a new one.")
    if exc.code == 404:
        return "There is nothing here. Check the record number or go back."
    return exc.description or "The request could not be handled."


def _pop_token(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.token = (values or {}).pop("token", "")


def _add_token(endpoint: str, values: dict[str, Any]) -> None:
    if "token" not in values and getattr(g, "token", None):
        values["token"] = g.token


def _authenticate() -> None:
    """403 unless the link's token is live; POSTs must also carry the page's form token."""
    token = g.get("token", "")
    reviewer = tokens.reviewer_for(site().library(), token)
    if reviewer is None:
        abort(403)
    g.reviewer = reviewer
    g.csrf = tokens.csrf_token(site().secret, token)
    if request.method == "POST" and not tokens.csrf_ok(site().secret, token, request.form.get("csrf")):
        abort(403)
