"""Prefetching one-to-many relations of a page of rows in one query each, without Django's
per-row cost.

`prefetch_related_objects` builds a filtered queryset for every parent row (a query clone and a
WHERE each): on a page of 1,000 assets with two prefetched relations that is ~2,000 clones, more
time than the three SQL queries themselves. Here each parent gets a shallow copy of one template
queryset holding its rows, so `parent.relation.all()` reads them as before. Anything derived from
that copy (`filter`, `order_by`, `get`, …) goes back to the database restricted to the parent,
like Django's own cache. Lookups this doesn't handle (through other relations, `to_attr`, nested
prefetches, foreign keys to non-primary keys) fall back to Django's prefetch."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.fields.reverse_related import ManyToOneRel

_row_classes: dict[type, type] = {}


class _ParentRows:
    """Mixed into the template's queryset class: a parent's prefetched rows."""

    _parent_lookup: str
    _parent = None
    _own_query = None

    @property
    def query(self):
        # The copies share the page's query (filtered by every parent on the page); whatever
        # reads the query itself (filter, update, aggregate, iterator, ...) gets this parent's
        # own, built on first use, so nothing done through one parent's rows reaches another's.
        if self._own_query is None:
            self._own_query = self._query.chain()
            self._own_query.add_q(Q(**{self._parent_lookup: self._parent}))
        return self._own_query

    @query.setter
    def query(self, value):
        self._query, self._own_query = value, None

    def _clone(self):
        clone = super()._clone()
        clone.__class__ = self._plain_class
        return clone


def _rows_class(queryset_class: type) -> type:
    cls = _row_classes.get(queryset_class)
    if cls is None:
        cls = type(f"Prefetched{queryset_class.__name__}", (_ParentRows, queryset_class),
                   {"_plain_class": queryset_class})
        _row_classes[queryset_class] = cls
    return cls


def _one_to_many(model, lookup: Prefetch) -> ManyToOneRel | None:
    if "__" in lookup.prefetch_through or lookup.to_attr:
        return None
    try:
        relation = model._meta.get_field(lookup.prefetch_through)
    except FieldDoesNotExist:
        return None
    if not isinstance(relation, ManyToOneRel) or not relation.one_to_many:
        return None
    if relation.get_accessor_name() != lookup.prefetch_through or not relation.field.target_field.primary_key:
        return None
    if lookup.queryset is not None and lookup.queryset._prefetch_related_lookups:
        return None
    return relation


def prefetch_rows(instances: list, lookups) -> None:
    """Like `prefetch_related_objects(instances, *lookups)`."""
    if not instances or not lookups:
        return
    model = type(instances[0])
    fallback = []
    for lookup in lookups:
        prefetch = lookup if isinstance(lookup, Prefetch) else Prefetch(lookup)
        relation = _one_to_many(model, prefetch)
        if relation is None:
            fallback.append(lookup)
        else:
            _prefetch_one_to_many(instances, relation, prefetch.queryset)
    if fallback:
        prefetch_related_objects(instances, *fallback)


def _prefetch_one_to_many(instances: list, relation: ManyToOneRel, queryset: QuerySet | None) -> None:
    fk = relation.field
    if queryset is None:
        queryset = relation.related_model._default_manager.all()
    template = queryset.filter(**{f"{fk.name}__in": {obj.pk for obj in instances}})
    by_parent: dict = {}
    for row in template:
        by_parent.setdefault(getattr(row, fk.attname), []).append(row)
    rows_class = _rows_class(type(template))
    cache_name = fk.remote_field.cache_name
    shared = dict(template.__dict__, _prefetch_done=True, _parent_lookup=fk.name)
    for obj in instances:
        rows = by_parent.get(obj.pk, [])
        for row in rows:
            fk.set_cached_value(row, obj)
        cached = rows_class.__new__(rows_class)
        cached.__dict__ = dict(shared, _result_cache=rows, _parent=obj)
        if not hasattr(obj, "_prefetched_objects_cache"):
            obj._prefetched_objects_cache = {}
        obj._prefetched_objects_cache[cache_name] = cached
