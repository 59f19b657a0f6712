"""Forms of the links pages. They only parse what a browser sends; the rules are checked by
links.services, whose errors come back onto these forms."""

from __future__ import annotations

from django import forms

from assets.core.errors import DomainError
from assets.core.forms import place_errors

from .models import LinkKind, LinkType

OUTGOING, INCOMING = "out", "in"


def role_choices(link_types: list[LinkType]) -> list[tuple[str, str]]:
    """"Add a …" choices: the far asset's role in each link type. Peer types have one role."""
    choices = []
    for link_type in sorted(link_types, key=lambda t: (t.organization_id is not None, t.name.lower())):
        if link_type.kind == LinkKind.PEER:
            choices.append((f"{link_type.pk}:{OUTGOING}", link_type.name))
            continue
        choices.append((f"{link_type.pk}:{OUTGOING}", f"{link_type.target_label or 'Target'} ({link_type.name})"))
        choices.append((f"{link_type.pk}:{INCOMING}", f"{link_type.source_label or 'Source'} ({link_type.name})"))
    return choices


def parse_tags(text: str) -> list[str]:
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


class AddLinkForm(forms.Form):
    role = forms.ChoiceField(label="Add a")
    target_id = forms.IntegerField(min_value=1, label="Asset", error_messages={
        "required": "Search for an asset and pick one.",
    })
    alias = forms.CharField(required=False, label="Alias")
    tags = forms.CharField(required=False, label="Tags", help_text="Comma-separated")

    def __init__(self, *args, link_types: list[LinkType], **kwargs):
        super().__init__(*args, **kwargs)
        self.link_types = {link_type.pk: link_type for link_type in link_types}
        self.fields["role"].choices = role_choices(link_types)

    def clean_role(self) -> tuple[LinkType, str]:
        type_id, _, direction = self.cleaned_data["role"].partition(":")
        return self.link_types[int(type_id)], direction

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("tags", ""))


class EditLinkForm(forms.Form):
    alias = forms.CharField(required=False)
    tags = forms.CharField(required=False)
    # The tags as the form showed them: a tag holding a comma doesn't survive the text field's
    # round trip, so tags are only written when the text was edited.
    tags_shown = forms.CharField(required=False)
    version = forms.IntegerField(min_value=1)

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("tags", ""))


def add_domain_error(form: forms.Form, exc: DomainError, fields: dict[str, str] | None = None) -> None:
    """place_errors with the service's field names renamed through `fields`."""
    fields = fields or {}
    place_errors(form, exc, lambda name, message: (fields.get(name, name), message))
