"""Reviewers' secret links: issue, check, revoke. The token is in the link; the library keeps its hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from litreview.errors import WebError
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import web as store

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(library: Library, reviewer: str) -> str:
    """A new secret token for the reviewer (earlier links stay valid until revoked)."""
    reviewer = reviewer.strip()
    if not reviewer or any(c in reviewer for c in "\n\r\t"):
        raise WebError(f"reviewer name {reviewer!r}: expected a name such as 'ana'")
    sc.check_reviewer(sc.load_settings(library), reviewer)
    token = secrets.token_urlsafe(24)
    with library.transaction():
        store.insert_token(library, reviewer, _digest(token))
    return token


def reviewer_for(library: Library, token: str) -> str | None:
    """Who a token belongs to, or None for a malformed, unknown or revoked one."""
    if not TOKEN_SHAPE.match(token):
        return None
    return store.reviewer_of(library, _digest(token))


def revoke(library: Library, reviewer: str) -> int:
    """Revoke every link of the reviewer; returns how many were live."""
    with library.transaction():
        count = store.revoke(library, reviewer)
    if not count:
        raise WebError(f"{reviewer!r} has no live link to revoke")
    return count


def csrf_token(secret: str, token: str) -> str:
    """The form token for pages served to this link: a forged form from another site cannot know it."""
    return hmac.new(secret.encode(), b"csrf:" + _digest(token).encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(secret: str, token: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(secret, token), given or "")
