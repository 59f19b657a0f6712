"""JSON (any value) and GEOJSON (a GeoJSON object): filtered only by presence, edited and
imported as JSON text."""

from __future__ import annotations

import json

from django import forms

from .base import FieldKind, InvalidValue, json_cell

GEOJSON_TYPES = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", "Feature", "FeatureCollection",
}


def json_text(value, *, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, sort_keys=True, default=str)


class Json(FieldKind):
    code = "JSON"
    label = "JSON"
    display = "json"
    help_text = "JSON"

    def form_field(self, definition, common, **choices):
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5, "class": "mono", "spellcheck": "false"}),
            help_text=self.help_text,
            **common,
        )

    def form_initial(self, value):
        return json.dumps(value, indent=2, ensure_ascii=False)

    def parse_form_text(self, text):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"is not valid JSON ({exc.msg} at line {exc.lineno})")

    def parse_cell(self, text):
        return json_cell(text)

    def present(self, definition, value, shown, **context):
        shown.pretty = json_text(value)
        shown.text = json_text(value, indent=None)


def _validate_geojson(value, depth=0) -> None:
    if depth > 8:
        raise InvalidValue("GeoJSON is nested too deeply")
    if not isinstance(value, dict) or value.get("type") not in GEOJSON_TYPES:
        raise InvalidValue(f"must be a GeoJSON object with a type among {', '.join(sorted(GEOJSON_TYPES))}")
    kind = value["type"]
    if kind == "FeatureCollection":
        if not isinstance(value.get("features"), list):
            raise InvalidValue("a FeatureCollection needs a features list")
        for feature in value["features"]:
            _validate_geojson(feature, depth + 1)
    elif kind == "Feature":
        if value.get("geometry") is not None:
            _validate_geojson(value["geometry"], depth + 1)
    elif kind == "GeometryCollection":
        if not isinstance(value.get("geometries"), list):
            raise InvalidValue("a GeometryCollection needs a geometries list")
        for geometry in value["geometries"]:
            _validate_geojson(geometry, depth + 1)
    elif not isinstance(value.get("coordinates"), list):
        raise InvalidValue(f"a {kind} needs a coordinates list")


class GeoJson(Json):
    code = "GEOJSON"
    label = "GeoJSON"
    help_text = 'GeoJSON, e.g. {"type": "Point", "coordinates": [10.0, 53.5]}'

    def validate(self, params, value):
        _validate_geojson(value)
        return value
