"""Aggregates the two databases spell differently."""

from django.db.models import Aggregate, JSONField


class JSONRows(Aggregate):
    """The aggregated values as one JSON array."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)
