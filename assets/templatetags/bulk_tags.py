"""The query string of an asset list's filter, as the bulk actions and the export carry it."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def filter_query(filters: dict) -> str:
    query = QueryDict(mutable=True)
    for name, values in filters.items():
        query.setlist(name, values)
    return query.urlencode()
