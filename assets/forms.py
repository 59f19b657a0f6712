"""Forms of the staff pages. They only turn browser input into the values the services take
(text into numbers, JSON, locale maps); every rule (required fields, patterns, ranges, unique
keys, permissions) is checked once, by the service, and its errors come back onto the fields."""

from __future__ import annotations

import json

from django import forms
from django.core.serializers.json import DjangoJSONEncoder

from assets.core.forms import place_errors

from .field_types import FieldType, kind_of, types_where
from .field_types.numbers import number_from_input

MAX_REFERENCE_CHOICES = 500


def cf_name(code: str) -> str:
    return f"cf_{code}"


class CustomFieldInput:
    """How one custom field is edited (its kind decides): the form field, the stored value as
    input text, and the input text as the value to store (None = no value)."""

    def __init__(self, definition, *, device_choices=(), asset_choices=None):
        self.definition = definition
        self.kind = kind_of(definition.field_type)
        self.device_choices = device_choices
        self.asset_choices = asset_choices

    def form_field(self) -> forms.Field:
        common = {"required": False, "label": self.definition.title}
        return self.kind.form_field(
            self.definition, common, device_choices=self.device_choices, asset_choices=self.asset_choices
        )

    def initial(self, value):
        """The stored value as the input shows it."""
        return None if value is None else self.kind.form_initial(value)

    def to_value(self, raw):
        """The input as the value to store, or None for "no value"; ValidationError for input
        that isn't even of the right shape (the service checks the field's rules)."""
        return self.kind.form_value(raw)


class AssetForm(forms.Form):
    """Title, key and one input per custom field of the asset's type (named cf_<code>)."""

    title = forms.CharField(required=False, max_length=1000, strip=False)
    key = forms.CharField(
        required=False, max_length=1000, help_text="Letters, digits, hyphens and underscores; leave empty to generate one."
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The state the form was opened at (JSON of state_of): the base of the three-way merge when
    # someone else saved meanwhile.
    base = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, definitions=(), device_choices=(), asset_choices=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required_by_type = True
        self.creating = creating
        self.inputs: dict[str, CustomFieldInput] = {}
        self.device_codes = []
        for definition in definitions:
            field_input = CustomFieldInput(definition, device_choices=device_choices, asset_choices=asset_choices)
            self.inputs[definition.code] = field_input
            field = field_input.form_field()
            field.required_by_type = definition.required
            self.fields[cf_name(definition.code)] = field
            if field_input.kind.reference == "device":
                self.device_codes.append((definition.code, definition.title))
        if self.device_codes:
            self.fields["primary_device"] = forms.ChoiceField(
                required=False, label="Primary device",
                choices=[("", "None"), *self.device_codes],
                help_text="The device field whose tracker reports this asset's position.",
            )
        if not creating:
            self.fields["key"].help_text = "Letters, digits, hyphens and underscores."

    @staticmethod
    def state_of(asset, definitions, primary_code) -> dict:
        """An asset's editable state as one flat dict (what the three-way merge compares)."""
        state = {"title": asset.title, "key": asset.key, "primary_device": primary_code or None}
        for definition in definitions:
            state[cf_name(definition.code)] = asset.custom_fields.get(definition.code)
        return state

    def submitted_state(self) -> dict:
        """The submitted input as state_of shapes it (after is_valid)."""
        changes = self.changes()
        state = {"title": changes["title"], "key": changes.get("key"),
                 "primary_device": self.cleaned_data.get("primary_device") or None}
        for code, value in self.values.items():
            state[cf_name(code)] = value
        return state

    def submitted_base(self) -> dict:
        """The state the form was opened at; empty when missing or unreadable (then every
        difference counts as a conflict)."""
        try:
            base = json.loads(self.cleaned_data.get("base") or "{}")
        except ValueError:
            return {}
        return base if isinstance(base, dict) else {}

    def adopt(self, state: dict) -> None:
        """Make `state` what this (valid) form submits, for writing a merge."""
        self.cleaned_data["title"] = state["title"] or ""
        self.cleaned_data["key"] = state["key"] or ""
        self.cleaned_data["primary_device"] = state.get("primary_device") or ""
        self.values = {code: state.get(cf_name(code)) for code in self.inputs}

    @classmethod
    def initial_for(cls, asset, definitions, primary_code) -> dict:
        initial = {"title": asset.title, "key": asset.key, "version": asset.version, "primary_device": primary_code or "",
                   "base": json.dumps(cls.state_of(asset, definitions, primary_code), cls=DjangoJSONEncoder)}
        for definition in definitions:
            value = CustomFieldInput(definition).initial(asset.custom_fields.get(definition.code))
            if value is not None:
                initial[cf_name(definition.code)] = value
        return initial

    def clean(self):
        cleaned = super().clean()
        self.values = {}
        for code, field_input in self.inputs.items():
            name = cf_name(code)
            if name in self._errors:
                continue
            try:
                self.values[code] = field_input.to_value(cleaned.get(name))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

    def custom_fields_patch(self, current: dict | None = None, current_primary: str | None = None) -> dict:
        """The service's patch form: only what differs from `current` (patch semantics, so a
        field nobody touched is never rewritten)."""
        current = current or {}
        patch: dict = {"set": {}, "unset": [], "set_primary": [], "unset_primary": []}
        for code, value in self.values.items():
            if value is None:
                if current.get(code) is not None:
                    patch["unset"].append(code)
            elif current.get(code) != value or code not in current:
                patch["set"][code] = value
        if "primary_device" in self.fields:
            primary = self.cleaned_data.get("primary_device") or None
            if primary and primary != current_primary:
                patch["set_primary"] = [primary]
            elif not primary and current_primary:
                patch["unset_primary"] = [current_primary]
        return patch

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {"title": data.get("title") or ""}
        key = (data.get("key") or "").strip()
        if key or not self.creating:
            changes["key"] = key if key else None
        return changes

    def map_errors(self, exc) -> None:
        """A service's errors onto the fields they name."""
        place_errors(self, exc, self._field_for)

    def _field_for(self, name: str, message: str) -> tuple[str | None, str]:
        if name in ("title", "key"):
            return name, message
        if name in ("custom_fields.set_primary", "custom_fields.unset_primary"):
            return "primary_device", message
        if name.startswith("custom_fields."):
            return cf_name(name.split(".", 1)[1]), message
        return None, message


# --- asset types --------------------------------------------------------------------------------
FIELD_TYPE_CHOICES = [(value, label) for value, label in FieldType.choices]


def _taking(param: str) -> str:
    """The field types that accept a param, for its help text."""
    return ", ".join(sorted(types_where(lambda kind: param in kind.params)))


class AssetTypeForm(forms.Form):
    title = forms.CharField(required=False, max_length=1000)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=20000)
    order = forms.CharField(required=False, widget=forms.NumberInput(attrs={"step": 1}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_order(self):
        raw = (self.cleaned_data.get("order") or "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise forms.ValidationError("must be an integer")


class NewAssetTypeForm(AssetTypeForm):
    organization = forms.ChoiceField(label="Organization")
    code = forms.CharField(required=False, max_length=200, help_text="Lowercase letters, digits and underscores; can't change later.")

    field_order = ["organization", "code", "title", "description", "order"]

    def __init__(self, *args, organization_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = list(organization_choices)


class FieldDefinitionForm(forms.Form):
    """A field definition and its params. Params are sent only when filled in, so the service
    answers for a param that doesn't fit the field type."""

    code = forms.CharField(required=False, max_length=200, help_text="Lowercase letters, digits and underscores.")
    title = forms.CharField(required=False, max_length=1000)
    field_type = forms.ChoiceField(choices=FIELD_TYPE_CHOICES, label="Field type")
    required = forms.BooleanField(required=False, label="Required")
    max_length = forms.CharField(required=False, label="Max length", widget=forms.NumberInput(attrs={"min": 1}),
                                 help_text=f"{_taking('max_length')} (STRING ≤ 1024, default 255)")
    pattern = forms.CharField(required=False, label="Pattern", help_text=f"Regular expression (RE2, the whole value must match), {_taking('pattern')}")
    min = forms.CharField(required=False, label="Minimum", widget=forms.NumberInput(attrs={"step": "any"}),
                          help_text=_taking("min"))
    max = forms.CharField(required=False, label="Maximum", widget=forms.NumberInput(attrs={"step": "any"}),
                          help_text=_taking("max"))
    options = forms.CharField(
        required=False, label="Options", widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"{_taking('options')}: one per line, code: title",
    )
    indexed = forms.BooleanField(
        required=False, label="Indexed",
        help_text="Keep a database index, for sorting and range filters on this field over many assets; built in the "
                  "background (STRING: max length ≤ 600)",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    PARAMS = ("max_length", "pattern", "min", "max", "options")

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        # Which field types take each param: the page shows only the chosen type's params.
        self.param_types = {name: " ".join(sorted(types_where(lambda kind, n=name: n in kind.params)))
                            for name in self.PARAMS}
        self.indexable_types = " ".join(sorted(types_where(lambda kind: kind.indexable)))
        if existing is not None:
            # Code and type are immutable: shown, never sent; only the type's own params remain.
            del self.fields["code"]
            del self.fields["field_type"]
            allowed = kind_of(existing.field_type).params
            for name in ("max_length", "pattern", "min", "max", "options"):
                if name not in allowed:
                    del self.fields[name]
            if not kind_of(existing.field_type).indexable:
                del self.fields["indexed"]

    @classmethod
    def initial_for(cls, definition, version) -> dict:
        params = definition.params or {}
        initial = {"title": definition.title, "required": bool(params.get("required")), "version": version,
                   "indexed": definition.indexed}
        for name in ("max_length", "pattern", "min", "max"):
            if params.get(name) is not None:
                initial[name] = params[name]
        if params.get("options"):
            initial["options"] = "\n".join(f"{o['code']}: {o.get('title') or o['code']}" for o in params["options"])
        return initial

    def _number(self, name, integer=False):
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        return number_from_input(raw, integer=integer)

    def clean_max_length(self):
        return self._number("max_length", integer=True)

    def clean_min(self):
        return self._number("min")

    def clean_max(self):
        return self._number("max")

    def clean_options(self):
        raw = self.cleaned_data.get("options") or ""
        options = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            code, _, title = line.partition(":")
            options.append({"code": code.strip(), "title": title.strip() or code.strip()})
        return options or None

    def spec(self) -> dict:
        data = self.cleaned_data
        params: dict = {"required": bool(data.get("required"))}
        for name in ("max_length", "min", "max", "options"):
            if data.get(name) is not None:
                params[name] = data[name]
        if (data.get("pattern") or "").strip():
            params["pattern"] = data["pattern"].strip()
        spec = {"title": data.get("title") or "", "params": params}
        if "indexed" in self.fields and (self.existing is not None or data.get("indexed")):
            spec["indexed"] = bool(data.get("indexed"))
        if self.existing is None:
            spec["code"] = (data.get("code") or "").strip()
            spec["field_type"] = data.get("field_type")
            if not spec["title"]:
                spec.pop("title")
        return spec

    def map_errors(self, exc) -> None:
        place_errors(self, exc, self._field_for)

    def _field_for(self, name: str, message: str) -> tuple[str | None, str]:
        name = name.removeprefix("field").lstrip(".")
        if name in self.fields and name != "version":
            return name, message
        param = message.split(" ", 1)[0].removeprefix("params.") if message.startswith("params.") else ""
        if name == "params" and param in self.fields and param not in ("code", "title", "version"):
            return param, message.split(" ", 1)[1] if " " in message else message
        # "params not allowed for NUMBER: pattern" belongs beside the pattern input.
        refused = message.rpartition(": ")[2].split(", ")[0] if message.startswith("params not allowed") else ""
        if name == "params" and refused in self.PARAMS and refused in self.fields:
            return refused, f"not allowed for {message.split(' for ', 1)[1].split(':')[0]} fields"
        return None, message


class DeviceEditForm(forms.Form):
    """A device's own fields, as its page edits them; `version` is what the page showed."""

    title = forms.CharField(required=False, max_length=1000)
    identifier = forms.CharField(required=False, max_length=1000, help_text="Serial number or IMEI")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def map_errors(self, exc) -> None:
        place_errors(self, exc, lambda name, message: (name if name in ("title", "identifier") else None, message))


class DeviceForm(DeviceEditForm):
    organization = forms.ChoiceField(label="Organization")
    field_order = ["organization", "title", "identifier"]

    def __init__(self, *args, organization_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = list(organization_choices)
