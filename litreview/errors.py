"""Exceptions raised by litreview.

    LitreviewError                 base: every error a user can cause or fix
    +-- ConfigError                a setting or config file is missing or malformed
    |   +-- SettingError           a review setting (`settings set`) is unknown or its value unusable
    +-- QueryFileError             a saved search in queries/ cannot be read
    +-- RecordNotFound             a record reference (id, pmid:, doi:) matches nothing
    +-- LibraryFileError           the library file cannot be opened (missing folder, not SQLite)
    |   +-- LibraryReadOnly        a change asked of a library the user cannot write
    +-- LockHeld                   another update holds the library's lock
    +-- ParseError                 an input file is malformed (carries file, line/record)
    +-- PrismaInconsistent         the PRISMA boxes do not add up (a bug or a hand-edited library)
    +-- EntrezError                E-utilities failed after retries, or answered nonsense
    +-- IncompleteRunError         a search finished but records PubMed reported are missing
    +-- ChaseError                 a chase, reference list or search check cannot run as asked
    +-- ScreeningError             a screening action the review's rules do not allow
    +-- StyleNotFound              a citation style is neither a known name nor a readable .csl file
    +-- WebError                   the web app cannot do what was asked (unknown reviewer, no link)
    +-- UnknownSource              a source name (sources rename) matches no records, or clashes
    +-- RunNotUndoable             a run cannot be undone (unknown, running, undone, or screened)
    +-- RankingError               priority screening or a simulation cannot proceed (labelled file)
    +-- StoppingError              a stopping-rule setting does not parse, or stopping is not due

The CLI turns any LitreviewError into a one-line "Error: ..." and a non-zero exit;
anything else is a bug and keeps its traceback.

Two more are not errors but signals between parts of the program, and never reach a user:

    NotChunkable (Exception)       PubMed XML the chunked reading cannot be trusted with: read it
                                   with the streaming parser instead (pubmed.xml, importing)
    Terminated (BaseException)     SIGTERM arrived during an import: unwinds it like Ctrl-C
"""

from __future__ import annotations


class LitreviewError(Exception):
    """Base class for errors a user can cause or fix."""


class ConfigError(LitreviewError):
    """Raised when a setting or config file is missing or malformed."""


class SettingError(ConfigError):
    """Raised for an unknown review setting or a value its feature cannot use (says what it expects)."""


class QueryFileError(LitreviewError):
    """Raised when a saved search file cannot be found or does not describe a search."""


class RecordNotFound(LitreviewError):
    """Raised when a record reference (id, pmid:NNN, doi:10...) matches no record."""


class LibraryFileError(LitreviewError):
    """Raised when the library file cannot be opened: a missing folder, or not an SQLite file."""


class LibraryReadOnly(LibraryFileError):
    """Raised when a change is asked of a library opened read-only (the file or its folder cannot
    be written: a read-only mount, `chattr +i`, no permission). Reading it works."""


class LockHeld(LitreviewError):
    """Raised when another process holds the library's update lock."""


class ParseError(LitreviewError):
    """Raised when an input file is malformed.

    `file`, `line` and `record` locate the problem; str() gives a message a user can act on.
    `skippable` is set when the error is one bad record of a file that is otherwise readable.
    """

    skippable = False

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        record: int | str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.record = record
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with its location (a big import's file is read in a child process)."""
        return (_parse_error, (type(self), self.message, self.file, self.line, self.record))

    def __str__(self) -> str:
        where = [part for part in (self.file, _fmt("line", self.line), _fmt("record", self.record)) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _parse_error(cls: type[ParseError], message: str, file: str | None, line: int | None,
                 record: int | str | None) -> ParseError:
    return cls(message, file=file, line=line, record=record)


def _fmt(label: str, value: int | str | None) -> str | None:
    return None if value is None else f"{label} {value}"


class PrismaInconsistent(LitreviewError):
    """Raised when the PRISMA boxes do not add up (a bug or a hand-edited library)."""


class EntrezError(LitreviewError):
    """Raised when E-utilities still fail after retries, or return something unreadable."""


class IncompleteRunError(LitreviewError):
    """Raised when a search run could not store every record PubMed reported."""


class ChaseError(LitreviewError):
    """Raised when a citation chase, a reference list or a search check cannot run as asked
    (nothing to chase from, no record with a PMID or DOI, an empty reference file)."""


class ScreeningError(LitreviewError):
    """Raised for a screening action the review's rules do not allow (unknown reviewer or reason,
    full text before title/abstract inclusion, resolving a record that is not in conflict)."""


class StyleNotFound(LitreviewError):
    """Raised when a citation style is neither a known name nor a readable .csl file."""


class WebError(LitreviewError):
    """Raised when the web app cannot do what was asked: an unknown reviewer, no link to revoke."""


class UnknownSource(LitreviewError):
    """Raised when a source name matches no records, or a rename would make one record twice."""


class RunNotUndoable(LitreviewError):
    """Raised when a run cannot be undone: unknown, still running, undone already, or some of its
    records carry screening (decisions, full texts, notes, tags)."""


class RankingError(LitreviewError):
    """Raised when priority screening or a simulation cannot proceed: a labelled file without its
    label column, labels other than 0/1, no includes."""


class StoppingError(LitreviewError):
    """Raised when the stopping-rule setting does not parse, or a stop is asked for without a rule."""


class NotChunkable(Exception):
    """The chunked reading of PubMed XML cannot be trusted with this document (an odd prolog, a
    root other than PubmedArticleSet, XML that is not well-formed): read it with iterparse, which
    reports any error with the document's own line numbers."""


class Terminated(BaseException):
    """SIGTERM arrived (a supervisor, `kill PID`): unwinds an import like Ctrl-C does, so its
    transaction is rolled back and its worker processes stopped, instead of the process
    vanishing mid-write. A BaseException, like KeyboardInterrupt, so no `except Exception`
    swallows it."""
