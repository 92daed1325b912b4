"""One registry of review settings; each feature declares its own keys.

A review's settings live in the library (`Library.settings()`), set with `litreview settings set KEY
VALUE`. The feature that reads a key declares it here, beside the code that reads it:

    REVIEWERS = settings.declare("screening.reviewers", "independent decisions per stage: 1, 2 ...",
                                 default="1", parse=_parse_reviewers)

`parse` turns the stored text into the value the feature uses and raises ValueError (saying what
it expected; the key is prefixed for the user) for a value it cannot use, so a bad value is refused
when it is set, not found at the next `prisma`. `value(library, key)` is what a feature reads:
parsed, or the default.

The modules in FEATURES declare keys at import; `registry()` imports them so that `settings show`
lists every key whichever commands ran before. A feature adding settings adds its module there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litreview.errors import SettingError

FEATURES = ("litreview.screening.decisions", "litreview.screening.stopping", "litreview.prisma",
            "litreview.watch")


def _text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Setting:
    """A key a feature reads: what it means, its default (as stored text) and how it is parsed."""

    key: str
    help: str
    default: str = ""
    parse: Callable[[str], Any] = _text

    def read(self, stored: Any) -> Any:
        """The parsed value of what the library holds (the default when unset)."""
        text = self.default if stored is None else str(stored)
        try:
            return self.parse(text)
        except ValueError as exc:
            raise SettingError(f"{self.key}: {exc}") from None


_REGISTRY: dict[str, Setting] = {}


def declare(key: str, help: str, default: str = "", parse: Callable[[str], Any] = _text) -> Setting:
    """Register a key (idempotent for the same declaration; a module may be re-imported)."""
    setting = Setting(key, help, default, parse)
    known = _REGISTRY.get(key)
    if known is not None and (known.help, known.default) != (help, default):
        raise ValueError(f"setting {key!r} is declared twice, differently")
    _REGISTRY[key] = setting
    return setting


def registry() -> dict[str, Setting]:
    """Every declared setting, by key, sorted."""
    for module in FEATURES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def lookup(key: str) -> Setting:
    """The declared setting; SettingError lists the known keys if there is none."""
    settings = registry()
    if key not in settings:
        raise SettingError(f"unknown setting {key!r}; known settings: {', '.join(settings)}")
    return settings[key]


def validate(key: str, value: str) -> str:
    """Check a value before it is stored: SettingError says what the key expects."""
    lookup(key).read(value)
    return value


def value(library: Any, key: str) -> Any:
    """What a feature reads: the library's value of `key`, parsed (the default when unset).

    `library` is a store.Library (typed loosely: settings sits below the store)."""
    return lookup(key).read(library.get_setting(key))


# -- parsers shared by features ---------------------------------------------------------------

def comma_list(value: str) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']"""
    return [part.strip() for part in value.split(",") if part.strip()]


def optional_count(value: str) -> int | None:
    """A whole number >= 0, or empty for 'not set'."""
    text = value.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{value!r} is not a whole number (expected 0 or more, or empty to unset)")
    return int(text)


def one_of(*choices: str) -> Callable[[str], str]:
    """A parser accepting exactly one of `choices`."""
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r}; expected {' or '.join(choices)}")
        return value
    return parse
