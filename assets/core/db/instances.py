"""Model instances from database rows without Model.__init__.

Reading a page of 1,000 assets spent more time in Model.__init__ (its per-field loop, keyword
handling and the pre_init/post_init signals) than PostgreSQL spent on the page. `FastFromDb`
overrides `Model.from_db`, the hook Django documents for customising loading: for a full row of a
model nobody listens to pre_init/post_init for, it fills the instance's __dict__ directly. That
is what __init__ ends with for a row: Django's own field descriptors (DeferredAttribute, the
foreign keys' attname) only read or store in __dict__. A deferred read, or a model with signal
receivers (an ImageField's dimensions), takes Django's way. tests/assets/test_fast_instances.py
is the contract: both ways give the same instance."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class FastFromDb:
    @classmethod
    def from_db(cls, db, field_names, values):
        fields = cls._meta.concrete_fields
        if len(values) != len(fields) or pre_init.has_listeners(cls) or post_init.has_listeners(cls):
            return super().from_db(db, field_names, values)
        attnames = cls.__dict__.get("_fast_attnames")
        if attnames is None:
            attnames = tuple(field.attname for field in fields)
            cls._fast_attnames = attnames
        new = cls.__new__(cls)
        new.__dict__.update(zip(attnames, values, strict=True))
        state = ModelState()
        state.adding = False
        state.db = db
        new._state = state
        return new


_NOT_LOADED = object()


def related_or_none(instance, name: str):
    """The object on the other side of the one-to-one `name`, None when there is none. What
    select_related loaded comes from the instance's cache: accessing a reverse one-to-one whose
    join found no row raises RelatedObjectDoesNotExist, and building that exception for every
    asset without a file was ~7 % of a page of 100."""
    loaded = instance._meta.get_field(name).get_cached_value(instance, _NOT_LOADED)
    if loaded is not _NOT_LOADED:
        return loaded
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None
