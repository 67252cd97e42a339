"""Learning weights from decisions: the regression, the guard on held-out decisions, the admin."""

import random

import numpy as np
import pytest

from engagement.errors import Conflict
from matching import learning
from matching.fusion import DEFAULT_WEIGHTS, GET, GIVE
from matching.models import MatchDecision, MatchingModel
from matching.services.learning import matching_model_train
from matching.services.recompute import active_model
from tests import factories


def test_the_regression_finds_the_component_that_predicts_acceptance():
    rng = np.random.default_rng(0)
    x = rng.random((400, 6))
    y = (x[:, 3] + 0.1 * rng.standard_normal(400) > 0.5).astype(float)  # thrust decides

    coefficients, _intercept = learning.fit_logistic(x, y)

    assert int(np.argmax(coefficients)) == 3
    assert coefficients[3] > 5


def test_auc_is_the_chance_an_acceptance_outscores_a_rejection():
    assert learning.auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert learning.auc([0.1, 0.9], [1, 0]) == 0.0
    assert learning.auc([0.5, 0.5], [1, 0]) == 0.5


def test_candidate_weights_are_non_negative_keep_each_side_and_move_with_the_evidence():
    coefficients = {
        "capability": 4.0,
        "text": -1.0,
        "capability_back": 0.0,
        "thrust": 1.0,
        "country": 3.0,
        "relationship": 0.0,
    }

    few = learning.candidate_weights(coefficients, DEFAULT_WEIGHTS, n=5)
    many = learning.candidate_weights(coefficients, DEFAULT_WEIGHTS, n=5000)

    assert all(v >= 0 for v in many.values())
    for side in (GIVE, GET):
        assert sum(many[k] for k in side) == pytest.approx(
            sum(DEFAULT_WEIGHTS[k] for k in side), abs=1e-3
        )
    assert many["text"] == pytest.approx(0.0, abs=0.01)
    assert abs(few["text"] - DEFAULT_WEIGHTS["text"]) < abs(many["text"] - DEFAULT_WEIGHTS["text"])


# --- Training on the database ------------------------------------------------------------


def _decisions(count: int, label_of, seed: int = 1):
    """Decisions whose components are random; `label_of(pk, components)` decides acceptance."""
    company = factories.company("Learner KK")
    institution = factories.institution("Somewhere Institute")
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        components = {
            "capability": rng.random(),
            "text": rng.random(),
            "capability_back": None,
            "thrust": rng.random(),
            "country": rng.random(),
            "relationship": 0.0,
        }
        made.append(
            MatchDecision.objects.create(
                company=company,
                organization=institution,
                decision="rejected",
                reason="not_relevant",
                components=components,
                score=0.5,
                model_version=1,
            )
        )
    for d in made:
        if label_of(d.pk, d.components):
            MatchDecision.objects.filter(pk=d.pk).update(decision="accepted", reason="")
    return made


@pytest.mark.django_db
def test_weights_learnt_from_decisions_become_active_when_they_do_as_well():
    active_model()
    _decisions(120, lambda pk, c: c["country"] > 0.5)

    model = matching_model_train()

    assert model.version == 2
    assert model.is_active
    assert not MatchingModel.objects.get(version=1).is_active
    assert model.weights["country"] > DEFAULT_WEIGHTS["country"]
    assert model.metrics["heldout_auc"] >= model.metrics["heldout_auc_of_active"]
    assert model.metrics["trained_on"] + model.metrics["heldout"] == 120
    assert model.metrics["coefficients"]["country"] > 0


@pytest.mark.django_db
def test_weights_that_do_worse_on_held_out_decisions_are_kept_but_not_activated():
    active_model()
    # Trained on "country decides", judged on decisions where the opposite holds.
    _decisions(
        160,
        lambda pk, c: (c["country"] > 0.5) if not learning.holdout(pk) else (c["country"] < 0.5),
    )

    model = matching_model_train()

    assert not model.is_active
    assert active_model().version == 1
    assert model.metrics["heldout_auc"] < model.metrics["heldout_auc_of_active"]


@pytest.mark.django_db
def test_too_few_decisions_are_refused_and_nothing_is_recorded():
    active_model()
    _decisions(5, lambda pk, c: pk % 2 == 0)

    with pytest.raises(Conflict, match="at least 20"):
        matching_model_train()

    assert MatchingModel.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_shows_each_version_weights_and_figures(client, users):
    active_model()
    _decisions(80, lambda pk, c: c["capability"] > 0.4)
    model = matching_model_train()
    client.force_login(users["admin"])

    listing = client.get("/admin/matching/matchingmodel/").content.decode()
    detail = client.get(f"/admin/matching/matchingmodel/{model.pk}/change/").content.decode()

    assert "capability 0.60" in listing  # version 1, the defaults
    assert str(model.metrics["heldout_auc"]) in listing
    assert "fitted coefficient" in detail
    assert str(model.metrics["coefficients"]["capability"]) in detail
