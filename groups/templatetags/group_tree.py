from django import template

from groups.tree_html import level_html

register = template.Library()


@register.simple_tag
def tree_level(level):
    """One level of the group tree (groups/tree_html.py builds the rows)."""
    return level_html(level)
