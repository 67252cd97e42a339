"""Training a new version of the weights from decisions; activated only if it does as well."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engagement.errors import Conflict
from matching import learning
from matching.models import MatchDecision, MatchingModel
from matching.services.recompute import active_model

MIN_DECISIONS = 20
ONE_KIND_TRAINING = gettext_noop(
    "The training decisions are all of one kind; both acceptances and rejections are needed."
)
ONE_KIND_HELD_OUT = gettext_noop(
    "The held-out decisions are all of one kind; both acceptances and rejections are needed."
)


@transaction.atomic
def matching_model_train(
    *, now: dt.datetime | None = None, min_decisions: int = MIN_DECISIONS
) -> MatchingModel:
    """Fit weights on accepted and rejected decisions and record them as a new version, with
    both versions' AUC on the held-out decisions. The new version becomes active only when its
    AUC is at least the active one's; otherwise it is kept, inactive, for the record."""
    now = now or timezone.now()
    decided = list(
        MatchDecision.objects.filter(
            decision__in=[MatchDecision.Decision.ACCEPTED, MatchDecision.Decision.REJECTED]
        )
        .order_by("pk")
        .values_list("pk", "components", "decision")
    )
    if len(decided) < min_decisions:
        raise Conflict(
            _(
                "Only %(count)s accepted or rejected suggestions; at least %(min)s are needed to "
                "learn from."
            )
            % {"count": len(decided), "min": min_decisions},
            errors={"decisions": [_("At least %(min)s needed.") % {"min": min_decisions}]},
        )
    train = [(c, d == "accepted") for pk, c, d in decided if not learning.holdout(pk)]
    test = [(c, d == "accepted") for pk, c, d in decided if learning.holdout(pk)]
    for problem, part in ((ONE_KIND_TRAINING, train), (ONE_KIND_HELD_OUT, test)):
        if len({label for _c, label in part}) < 2:
            raise Conflict(
                _(problem),
                errors={"decisions": [_("Need both accepted and rejected suggestions.")]},
            )
    current = active_model()
    result = learning.fit([c for c, _y in train], [int(y) for _c, y in train], current.weights)
    rows, labels = [c for c, _y in test], [int(y) for _c, y in test]
    auc_new = learning.auc(learning.engine_scores(rows, result.weights), labels)
    auc_old = learning.auc(learning.engine_scores(rows, current.weights), labels)
    better = auc_new >= auc_old
    version = (MatchingModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    metrics: dict[str, Any] = {
        "heldout_auc": learning.finite(auc_new),
        "heldout_auc_of_active": learning.finite(auc_old),
        "compared_with_version": current.version,
        "trained_on": len(train),
        "heldout": len(test),
        "accepted_share": round(sum(labels) / len(labels), 4),
        "coefficients": {k: round(v, 4) for k, v in result.coefficients.items()},
        "intercept": round(result.intercept, 4),
    }
    if better:
        MatchingModel.objects.filter(is_active=True).update(is_active=False)
    return MatchingModel.objects.create(
        version=version,
        weights=result.weights,
        metrics=metrics,
        is_active=better,
        activated_at=now if better else None,
        trained_on=len(train),
        created_at=now,
        note=(
            "Activated: held-out AUC at least the active version's."
            if better
            else "Not activated: held-out AUC below the active version's."
        ),
    )
