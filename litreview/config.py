"""Where settings come from: environment first, then a TOML config file.

Config file: $LITREVIEW_CONFIG, else ./litreview.toml, else ~/.config/litreview/config.toml.
    [ncbi]
    email = "you@example.org"
    api_key = "..."          # better in NCBI_API_KEY
    eutils_url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from litreview.errors import ConfigError

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
DEFAULT_DB = "library.db"
DEFAULT_QUERIES = "queries"


@dataclass(frozen=True)
class NcbiSettings:
    email: str | None = None
    api_key: str | None = field(default=None, repr=False)
    eutils_url: str = DEFAULT_EUTILS_URL
    tool: str = "litreview"

    @property
    def has_key(self) -> bool:
        return bool(self.api_key)


def config_path() -> Path | None:
    """The config file in force, or None if there is none."""
    explicit = os.environ.get("LITREVIEW_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (Path("litreview.toml"), Path.home() / ".config" / "litreview" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config_file(path: Path | None = None) -> dict[str, Any]:
    path = path if path is not None else config_path()
    if path is None or not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def ncbi_settings(config: dict[str, Any] | None = None) -> NcbiSettings:
    """NCBI email, API key and E-utilities base URL: environment over config file."""
    section = (config if config is not None else load_config_file()).get("ncbi", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{config_path()}: 'ncbi' must be a table ([ncbi])")
    for name in ("email", "api_key", "eutils_url"):
        if name in section and not isinstance(section[name], str):
            # the value itself is not repeated: it may be the key
            raise ConfigError(f"{config_path()}: [ncbi] {name} must be a string in quotes")
    url = os.environ.get("LITREVIEW_EUTILS_URL") or section.get("eutils_url") or DEFAULT_EUTILS_URL
    if not _http_url(url):
        where = ("LITREVIEW_EUTILS_URL" if os.environ.get("LITREVIEW_EUTILS_URL")
                 else f"{config_path()}: [ncbi] eutils_url")
        raise ConfigError(f"{where} is {url!r}, not an http(s) URL: expected the E-utilities base"
                          f" URL, e.g. {DEFAULT_EUTILS_URL}")
    return NcbiSettings(
        email=os.environ.get("NCBI_EMAIL") or section.get("email"),
        api_key=os.environ.get("NCBI_API_KEY") or section.get("api_key"),
        eutils_url=url.rstrip("/"),
    )


def _http_url(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
