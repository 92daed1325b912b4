"""The library store: all SQL lives in this package.

`library.py` owns the connection, transactions, records, runs and settings. A feature with
tables of its own adds `store/<feature>.py` holding its `migrations = Migrations("litreview.<feature>")`
and the functions that query them.
"""

from litreview.store.library import AddResult, EncodedRecord, Library, encode_record, utcnow

__all__ = ["AddResult", "EncodedRecord", "Library", "encode_record", "utcnow"]
