from django import template

from groups.admin_rows import inline_rows

register = template.Library()


@register.simple_tag
def member_rows(inline_admin_formset):
    return inline_rows(inline_admin_formset)
