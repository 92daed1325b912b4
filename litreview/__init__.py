"""litreview: a systematic-review reference manager in one SQLite file."""

from litreview.errors import LitreviewError
from litreview.records import Author, Record
from litreview.store import Library

__all__ = ["Author", "Library", "LitreviewError", "Record"]
__version__ = "0.1.0"
