"""Database machinery that leans on Django internals, kept apart from the domain modules.

Two entry points: `CompiledQuery` (a queryset compiled to SQL once per process, run with bound
values; `KeyedQueries` keeps one per key for those whose values can't be bound) and
`prefetch_rows` (one-to-many prefetches of a page without Django's per-row cost).
tests/assets/test_compiled_reads.py and tests/assets/test_prebuilt_responses.py are their contract:
each returns what the ORM query it stands for returns. `aggregates` (JSON arrays on both databases)
and `bulk_sql` (multi-row INSERTs for imports) are the set-based writers' helpers; `related_or_none`
reads a one-to-one that select_related loaded without the exception of a missing one."""

from .compiled import PLACEHOLDER_TYPES, CompiledQuery, KeyedQueries, NotCompilable
from .instances import related_or_none
from .prefetch import prefetch_rows

__all__ = ["PLACEHOLDER_TYPES", "CompiledQuery", "KeyedQueries", "NotCompilable", "prefetch_rows", "related_or_none"]
