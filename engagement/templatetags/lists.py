"""Sortable column headers of the list pages: `{% sort_header "value" %}` draws the header of
the list's sort order "value" (its label from the list's spec, engagement.lists) as a link
that sorts by the column (again to reverse it), keeps the page's filters, goes back to the
first page, and tells assistive technology the current order."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from engagement.lists import spec

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, css: str = "") -> SafeString:
    request = context["request"]
    label = str(next(s.label for s in spec(context["list_name"]).sorts if s.key == key))
    current, descending = context.get("sort_key"), context.get("sort_descending", False)
    query = request.GET.copy()
    query.pop("page", None)
    active = current == key
    query["sort"] = f"-{key}" if active and not descending else key
    order = ("descending" if descending else "ascending") if active else "none"
    arrow = ("▼" if descending else "▲") if active else ""
    hint = _("Sort by %(column)s") % {"column": label}
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="sortlink" href="?{}" title="{}">{}'
        '<span class="sortarrow" aria-hidden="true">{}</span></a></th>',
        order,
        format_html(' class="{}"', css) if css else "",
        query.urlencode(),
        hint,
        label,
        arrow,
    )
