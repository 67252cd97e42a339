"""`{% company_suggestions org %}`: a company's best suggested partners with their explanations,
for its organization page (nothing for an institution, nor for a reader who may not see them)."""

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from engagement.models import OrganizationKind
from matching import selectors

register = template.Library()


@register.inclusion_tag("matching/_company_suggestions.html", takes_context=True)
def company_suggestions(context, organization, limit: int = 5):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or organization.kind != OrganizationKind.JAPANESE_COMPANY:
        return {"show": False}
    rows = list(selectors.review_queue(user=user, company=organization.pk)[:limit])
    if not rows:
        return {"show": False}
    labels, lang = selectors.explanation_labels(), get_language()
    return {
        "show": True,
        "items": [
            {
                "s": s,
                "name": selectors.counterpart_name(s, lang),
                "text": selectors.explain(s, lang, labels).text,
            }
            for s in rows
        ],
        "review_url": f"{reverse('match-review')}?company={organization.pk}",
    }
