"""The rows of the group admin's member inline, rendered in Python.

Django's tabular inline template walks fieldsets, lines and fields for every row and builds a
helper object per cell (the readonly ones look their value up and reverse a URL each): with 100
members that was most of the change page's time. These rows are the same markup (the test
compares them with Django's template), built from the forms directly, with each admin URL
reversed once and formatted per row."""

from __future__ import annotations

from django.contrib.admin.utils import display_for_field, quote
from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

# A primary key no row has: the reversed URL is cut around it to format the others.
_SENTINEL = "987654321987"


class AdminUrls:
    """Admin change URLs of one model, reversed once: url(pk)."""

    def __init__(self, model, site_name: str):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        try:
            self.head, self.tail = reverse(name, args=[_SENTINEL], current_app=site_name).split(_SENTINEL)
        except NoReverseMatch:
            self.head = None

    def link(self, obj):
        if self.head is None:
            return str(obj)
        return format_html('<a href="{}{}{}">{}</a>', self.head, quote(obj.pk), self.tail, obj)


def _readonly(form, name: str, urls: dict, empty: str, site_name: str):
    field = form.instance._meta.get_field(name)
    value = getattr(form.instance, name, None)
    if field.is_relation and value is not None:
        model = field.related_model
        if model not in urls:
            urls[model] = AdminUrls(model, site_name)
        shown = urls[model].link(value)
    else:
        shown = display_for_field(value, field, empty)
    return conditional_escape(linebreaksbr(shown))


def inline_rows(inline_admin_formset) -> str:
    """<tr> rows of a tabular inline whose forms may be changed, as admin/edit_inline/tabular.html
    renders them."""
    formset = inline_admin_formset.formset
    model_admin = inline_admin_formset.opts
    site_name = model_admin.admin_site.name
    empty = model_admin.get_empty_value_display()
    names = [name for fieldset in inline_admin_formset.fieldsets for name in fieldset[1]["fields"]]
    readonly = set(inline_admin_formset.readonly_fields)
    can_delete = formset.can_delete and inline_admin_formset.has_delete_permission
    has_add = inline_admin_formset.has_add_permission
    forms = [(str(index), form) for index, form in enumerate(formset.initial_forms + formset.extra_forms)]
    if has_add:
        forms.append(("empty", formset.empty_form))
    pk_name = formset.model._meta.pk.name
    fk_name = getattr(formset, "fk", None) and formset.fk.name
    urls: dict = {}
    cells_count = 2 + len(names)
    rows = []
    for number, form in forms:
        original = form.instance if form.instance.pk is not None and number != "empty" else None
        errors = form.non_field_errors()
        if errors:
            rows.append(format_html('<tr class="row-form-errors"><td colspan="{}">{}</td></tr>', cells_count, errors))
        classes = "form-row " + ("has_original" if original is not None else "")
        if number == "empty":
            classes += " empty-form"
        first = format_html("<p>{}</p>", original) if original is not None else ""
        hidden = [form[pk_name]] if pk_name in form.fields else []
        if fk_name and fk_name in form.fields:
            hidden.append(form[fk_name])
        cells = [format_html('<td class="original">{}{}</td>', first, mark_safe("".join(str(h) for h in hidden)))]
        for name in names:
            if name in readonly:
                cells.append(format_html('<td class="field-{}"><p>{}</p></td>', name,
                                         _readonly(form, name, urls, empty, site_name)))
            else:
                bound = form[name]
                hidden_class = " hidden" if bound.is_hidden else ""
                cells.append(format_html('<td class="field-{}{}">{}{}</td>', name, hidden_class,
                                         bound.errors.as_ul(), bound))
        delete = form["DELETE"] if can_delete and original is not None and "DELETE" in form.fields else ""
        cells.append(format_html('<td class="delete">{}</td>', delete))
        row_id = f"{formset.prefix}-{number}"
        rows.append(format_html('<tr class="{}" id="{}">{}</tr>', classes, row_id, mark_safe("".join(cells))))
    return mark_safe("\n".join(rows))
