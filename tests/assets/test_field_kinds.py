"""The custom-field kinds: one registry entry per field type, each answering for itself, and
STRING patterns that run in linear time (RE2) or are refused when the field is defined."""

from __future__ import annotations

import pytest

from assets.field_types import FALSE_WORDS, KINDS, TRUE_WORDS, FieldType, InvalidValue, bool_from_text, kind_of
from assets.models import CustomFieldDefinition
from assets.queries import CF_OPERATORS
from tests.factories import make_type

from .helpers import assert_problem

# `(a+)+$` on Python's backtracking `re` doubles its time with every "a" before the "!":
# 26 of them took 4.9 s; the 1,023 a STRING can hold, or 50,000, could never finish.
CATASTROPHIC = "(a+)+$"


def test_the_registry_holds_one_kind_per_field_type():
    assert list(KINDS) == list(FieldType.values)
    assert len(KINDS) == 15
    for code, kind in KINDS.items():
        assert kind.code == code and kind.label == FieldType(code).label
        assert kind.operators <= set(CF_OPERATORS), code


def test_the_model_choices_come_from_the_registry():
    assert CustomFieldDefinition._meta.get_field("field_type").choices == FieldType.choices


def test_an_unknown_type_answers_as_a_bare_value():
    kind = kind_of("SPACESHIP")
    assert kind.operators == {"isnull"} and not kind.sortable and kind.parse_cell("x") == "x"


@pytest.mark.parametrize("word, value", [("true", True), (" YES ", True), ("1", True), ("No", False), ("0", False)])
def test_boolean_words(word, value):
    assert bool_from_text(word) is value


def test_other_text_is_no_boolean():
    assert bool_from_text("maybe") is None and bool_from_text("") is None
    assert TRUE_WORDS.isdisjoint(FALSE_WORDS)


@pytest.fixture
def coded_type(org):
    return make_type(org, "coded", [
        {"code": "code", "field_type": "STRING", "params": {"pattern": CATASTROPHIC, "max_length": 1024}},
    ])


def _write(admin_api, org, asset_type, value):
    return admin_api.post("/assets", {
        "organization_id": org.pk, "type_id": asset_type.pk, "title": "X", "custom_fields": {"code": value},
    })


def test_a_catastrophic_pattern_checks_a_long_value_in_linear_time(admin_api, org, coded_type):
    body = assert_problem(_write(admin_api, org, coded_type, "a" * 1023 + "!"), 400, "VALIDATION_ERROR")
    assert body["errors"] == [{"field": "custom_fields.code", "message": f"must match the pattern {CATASTROPHIC}"}]
    created = _write(admin_api, org, coded_type, "a" * 1024)
    assert created.status_code == 201, created.content[:300]


def test_the_pattern_check_runs_in_linear_time_on_any_length():
    # The length limit comes first in a write; the pattern check itself doesn't rely on it.
    string = KINDS[FieldType.STRING]
    with pytest.raises(InvalidValue, match="must match the pattern"):
        string.validate({"pattern": CATASTROPHIC, "max_length": 10**6}, "a" * 50_000 + "!")
    assert string.validate({"pattern": CATASTROPHIC, "max_length": 10**6}, "a" * 50_000) == "a" * 50_000


def test_patterns_keep_fullmatch_semantics(admin_api, org):
    plate_type = make_type(org, "plated", [{"code": "code", "field_type": "STRING", "params": {"pattern": "[A-Z]{2}-[0-9]+"}}])
    assert _write(admin_api, org, plate_type, "HH-1234").status_code == 201
    # A match of a prefix is not a match of the value.
    assert_problem(_write(admin_api, org, plate_type, "HH-1234 and more"), 400, "VALIDATION_ERROR")
    assert_problem(_write(admin_api, org, plate_type, "xHH-1234"), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "pattern, problem",
    [
        (r"(a)\1", "backreferences and lookaround are not supported"),
        (r"(?=a)a", "backreferences and lookaround are not supported"),
        (r"(?<!x)y", "backreferences and lookaround are not supported"),
        ("a" * 501, "at most 500 characters"),
        ("(unclosed", "is not a regular expression"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_when_defined(admin_api, truck_type, pattern, problem):
    response = admin_api.post(f"/asset-types/{truck_type.pk}/fields", {
        "code": "serial", "field_type": "STRING", "params": {"pattern": pattern},
    })
    body = assert_problem(response, 400, "VALIDATION_ERROR")
    [error] = body["errors"]
    assert error["field"].endswith("params") and error["message"].startswith("params.pattern ")
    assert problem in error["message"]
    assert not truck_type.field_definitions.filter(code="serial").exists()


def test_a_catastrophic_pattern_is_accepted_as_a_definition(admin_api, truck_type):
    response = admin_api.post(f"/asset-types/{truck_type.pk}/fields", {
        "code": "serial", "field_type": "STRING", "params": {"pattern": CATASTROPHIC},
    })
    assert response.status_code in (200, 201), response.content
