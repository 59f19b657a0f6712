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
