"""`{% once_field %}`: the one-time token of a creating form (engagement/web/once.py)."""

from django import template

from engagement.web.once import once_field as _once_field

register = template.Library()


@register.simple_tag
def once_field():
    return _once_field()
