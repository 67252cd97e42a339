"""Recomputing suggestions: one company, a list of companies, a range, or all of them.

A recompute replaces a company's `new` suggestions with fresh ones, in one transaction per batch
of companies: readers see the old set or the new one, never half of each. Decided suggestions
(accepted, rejected, snoozed) are records and stay. What must not be suggested again is filtered
out before ranking: a pair with an open partnership, a rejection of the last
MATCH_REJECTION_COOLDOWN_DAYS unless either profile changed since (their fingerprints differ),
and a snooze not yet over.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from engagement.models import Engagement, Organization, Partnership, Stage, Team
from engagement.services.common import business_today
from matching import roles
from matching.features import COMPANY, INCENTIVE, INITIATIVE, ORGANIZATION, PROJECT
from matching.fusion import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    check_weights,
    contributions,
    min_score_for,
)
from matching.models import MatchDecision, MatchingModel, MatchSuggestion, SuggestionStatus
from matching.reasons import ReasonMemo, reasons
from matching.scoring import Engine, Match, Request, Timings
from matching.services.loading import engine_for_directory, live_statuses

BATCH = 1000


def _encode(reasons_: dict) -> str:
    """Compact JSON text of a suggestion's reasons: orjson, a tenth of the standard encoder's
    time, which a full recompute pays hundreds of thousands of times."""
    return orjson.dumps(reasons_).decode()


NEW = SuggestionStatus.NEW.value
# An engagement counts towards the relationship signal for this long.
RELATIONSHIP_WINDOW = dt.timedelta(days=730)
_COLUMNS = (
    "company_id",
    "team_id",
    "organization_id",
    "initiative_id",
    "project_id",
    "incentive_id",
    "score",
    "rank",
    "purpose",
    "components",
    "reasons",
    "model_version",
    "generated_at",
    "status",
    "stale",
    "company_fingerprint",
    "counterpart_fingerprint",
)


@dataclass
class RecomputeReport:
    companies: int = 0
    suggestions: int = 0
    pairs: int = 0
    features_s: float = 0.0
    scoring_s: float = 0.0
    top_k_s: float = 0.0
    write_s: float = 0.0


# The suggestion's field that names a counterpart of each kind.
FIELD_OF_KIND = {
    ORGANIZATION: "organization",
    INITIATIVE: "initiative",
    PROJECT: "project",
    INCENTIVE: "incentive",
}


def limits() -> dict[str, int]:
    return {
        ORGANIZATION: settings.MATCH_TOP_ORGANIZATIONS,
        INITIATIVE: settings.MATCH_TOP_INITIATIVES,
        PROJECT: settings.MATCH_TOP_PROJECTS,
        INCENTIVE: settings.MATCH_TOP_INCENTIVES,
    }


def active_model() -> MatchingModel:
    """The active weights; version 1 (the defaults) is created the first time it is asked for."""
    model = MatchingModel.objects.filter(is_active=True).first()
    if model is not None:
        return model
    try:
        with transaction.atomic():
            return MatchingModel.objects.create(
                version=1,
                weights=dict(DEFAULT_WEIGHTS),
                is_active=True,
                activated_at=timezone.now(),
                note="Default weights.",
            )
    except IntegrityError:  # another process created it first
        return MatchingModel.objects.get(is_active=True)


def matches_recompute(*, company: Organization | int, now: dt.datetime | None = None):
    """Replace one company's new suggestions (after its profile changed, or on demand)."""
    return matches_recompute_companies(company_ids=[getattr(company, "pk", company)], now=now)


def matches_recompute_companies(
    *,
    company_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
    fresh: bool = False,
    built_after: dt.datetime | None = None,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
) -> RecomputeReport:
    """Replace the new suggestions of `company_ids` (every company when None)."""
    now = now or timezone.now()
    report = RecomputeReport()
    started = time.perf_counter()
    engine = engine or engine_for_directory(fresh=fresh, built_after=built_after)
    report.features_s = time.perf_counter() - started
    model = active_model()
    weights = check_weights(model.weights)
    if company_ids is None:
        keys = sorted(engine.companies.keys)
    else:
        keys = sorted({k for k in company_ids if k in engine.companies.row})
    teams = _teams()
    timings = Timings()
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        started_batch = timezone.now()
        request = _request(engine, batch, weights, now)
        live = engine.live_view(request.implementation)
        rows: list[tuple] = []
        for _keys, found in engine.iter_rank(batch, request, timings):
            t0 = time.perf_counter()
            rows.extend(_rows(engine, found, weights, model.version, now, teams, live))
            report.write_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        _replace(batch, rows, now, started_batch)
        report.write_s += time.perf_counter() - t0
        report.companies += len(batch)
        report.suggestions += len(rows)
        if progress:
            progress(len(batch))
    report.scoring_s, report.top_k_s, report.pairs = timings.scoring, timings.top_k, timings.pairs
    return report


def matches_recompute_counterpart(
    *, organization: Organization | int | None = None, kind: str = ORGANIZATION, key=None, now=None
):
    """A counterpart changed (an institution's profile, a project's phase, an incentive's
    deadline): recompute the companies it was suggested to and those whose lists it now enters
    (its score beats their weakest suggestion of that kind). `organization` is the institution;
    `kind` and `key` name a project or an incentive."""
    if organization is not None:
        kind, key = ORGANIZATION, getattr(organization, "pk", organization)
    field = FIELD_OF_KIND[kind]
    engine = engine_for_directory()
    affected: set[int] = set()
    if key in engine.sides[kind].row:
        weights = check_weights(active_model().weights)
        scores = engine.column_scores(kind, key, weights, as_of=business_today(now))
        weakest = {
            row["company_id"]: (row["low"], row["n"])
            for row in MatchSuggestion.objects.filter(
                status=SuggestionStatus.NEW, **{f"{field}__isnull": False}
            )
            .values("company_id")
            .annotate(low=Min("score"), n=Count("pk"))
        }
        limit = limits()[kind]
        least = min_score_for(kind, settings.MATCH_MIN_SCORE)
        for i, company in enumerate(engine.companies.keys):
            score = float(scores[i])
            if score < least:
                continue
            low, n = weakest.get(company, (0.0, 0))
            if n < limit or score > low:
                affected.add(company)
    affected |= set(
        MatchSuggestion.objects.filter(
            status=SuggestionStatus.NEW, **{f"{field}_id": key}
        ).values_list("company_id", flat=True)
    )
    return matches_recompute_companies(company_ids=sorted(affected), now=now, engine=engine)


# --- What is left out, and the relationship signal -------------------------------------------


def _teams() -> dict[int, int]:
    """Company → its team (the oldest, when a company has several)."""
    out: dict[int, int] = {}
    for company_id, team_id in Team.objects.order_by("-pk").values_list("company_id", "pk"):
        out[company_id] = team_id
    return out


_KEYS = ("organization_id", "initiative_id", "project_id", "incentive_id")
_KINDS = (ORGANIZATION, INITIATIVE, PROJECT, INCENTIVE)


def _pair(*ids: int | None) -> tuple[str, int]:
    """(kind, key) of a row's counterpart, from its ids in _KEYS order."""
    for kind, key in zip(_KINDS, ids, strict=False):
        if key:
            return kind, key
    return ORGANIZATION, 0


def _request(engine: Engine, batch: list[int], weights: dict, now: dt.datetime) -> Request:
    excluded: dict[int, set] = defaultdict(set)
    open_deals = Partnership.objects.filter(company_id__in=batch).exclude(stage=Stage.LOST)
    for company_id, org_id in open_deals.values_list("company_id", "counterparts"):
        if org_id:
            excluded[company_id].add((ORGANIZATION, org_id))
    for company_id, init_id in open_deals.values_list("company_id", "initiatives"):
        if init_id:
            excluded[company_id].add((INITIATIVE, init_id))
    for company_id, *ids in MatchSuggestion.objects.filter(
        company_id__in=batch, status=SuggestionStatus.SNOOZED, snoozed_until__gt=business_today(now)
    ).values_list("company_id", *_KEYS):
        excluded[company_id].add(_pair(*ids))
    # A project or an incentive accepted: the partnership it opened is pursuing it (until lost).
    for company_id, *ids in (
        MatchSuggestion.objects.filter(company_id__in=batch, status=SuggestionStatus.ACCEPTED)
        .filter(Q(project__isnull=False) | Q(incentive__isnull=False))
        .exclude(partnership__stage=Stage.LOST)
        .values_list("company_id", *_KEYS)
    ):
        excluded[company_id].add(_pair(*ids))
    cooldown = now - dt.timedelta(days=settings.MATCH_REJECTION_COOLDOWN_DAYS)
    for company_id, company_fp, counterpart_fp, *ids in MatchDecision.objects.filter(
        company_id__in=batch,
        decision=MatchDecision.Decision.REJECTED,
        decided_at__gte=cooldown,
    ).values_list("company_id", "company_fingerprint", "counterpart_fingerprint", *_KEYS):
        kind, key = _pair(*ids)
        if not _changed(engine, company_id, kind, key, company_fp, counterpart_fp):
            excluded[company_id].add((kind, key))
    return Request(
        weights=weights,
        limits=limits(),
        excluded=excluded,
        relationship=_relationship(batch, now),
        min_score=settings.MATCH_MIN_SCORE,
        implementation=live_statuses(as_of=business_today(now)),
        as_of=business_today(now),
    )


def _changed(engine: Engine, company_id, kind, key, company_fp: str, counterpart_fp: str) -> bool:
    """Has either profile changed materially since the rejection?"""
    side = engine.sides[kind]
    if key not in side.row:
        return False
    _c, company_signals = engine.profile(COMPANY, company_id)
    _p, counterpart_signals = engine.profile(kind, key)
    return (company_signals.fingerprint, counterpart_signals.fingerprint) != (
        company_fp,
        counterpart_fp,
    )


def _relationship(batch: list[int], now: dt.datetime) -> dict[int, dict]:
    """1 − ½ⁿ for n engagements of the company's team with the counterpart in the window."""
    counts: Counter = Counter()
    recent = Engagement.objects.filter(
        team__company_id__in=batch, occurred_at__gte=now - RELATIONSHIP_WINDOW
    )
    for company_id, org_id in recent.values_list("team__company_id", "organizations"):
        if org_id:
            counts[(company_id, ORGANIZATION, org_id)] += 1
    for company_id, init_id in recent.values_list("team__company_id", "initiatives"):
        if init_id:
            counts[(company_id, INITIATIVE, init_id)] += 1
    out: dict[int, dict] = defaultdict(dict)
    for (company_id, kind, key), n in counts.items():
        out[company_id][(kind, key)] = 1.0 - 0.5**n
    return out


# --- Writing ----------------------------------------------------------------------------------


def components_json(values: dict, weights: dict) -> dict:
    return json.loads(components_text(values, weights))


_TEMPLATES: dict[tuple[bool, ...], str] = {}


def _template(missing: tuple[bool, ...]) -> str:
    if missing not in _TEMPLATES:
        fields = (
            f'"{name}":{{"value":{"null" if gone else "%.4f"},"contribution":%.4f}}'
            for name, gone in zip(COMPONENTS, missing, strict=True)
        )
        _TEMPLATES[missing] = "{" + ",".join(fields) + "}"
    return _TEMPLATES[missing]


def components_text(values: dict, weights: dict, given: tuple[float, ...] = ()) -> str:
    """Each component's value and contribution as JSON text, formatted directly: this runs once
    per suggestion, hundreds of thousands of times in a full recompute."""
    parts = dict(zip(COMPONENTS, given, strict=True)) if given else contributions(values, weights)
    missing = tuple(values.get(name) is None for name in COMPONENTS)
    numbers: list[float] = []
    for name, gone in zip(COMPONENTS, missing, strict=True):
        if not gone:
            numbers.append(values[name])
        numbers.append(parts[name])
    return _template(missing) % tuple(numbers)


def _rows(engine, found: dict[int, list[Match]], weights, version, now, teams, live) -> list[tuple]:
    rows = []
    company_side = engine.companies
    memo = ReasonMemo(engine)
    for company_id, matches in found.items():
        company_fp = company_side.signals[company_side.row[company_id]].fingerprint
        for rank, m in enumerate(matches, start=1):
            side = engine.sides[m.kind]
            rows.append(
                (
                    company_id,
                    teams.get(company_id),
                    *(m.counterpart if m.kind == kind else None for kind in _KINDS),
                    round(m.score, 6),
                    rank,
                    pair_purpose(engine, m),
                    components_text(m.values, weights, m.parts),
                    _encode(reasons(engine, m, weights, live, memo)),
                    version,
                    now,
                    NEW,
                    False,
                    company_fp,
                    side.signals[side.row[m.counterpart]].fingerprint,
                )
            )
    return rows


def pair_purpose(engine: Engine, m: Match) -> str:
    """What the suggestion is for (matching.roles.purpose)."""
    company, _signals = engine.profile(COMPANY, m.company)
    counterpart, _theirs = engine.profile(m.kind, m.counterpart)
    if m.kind in (PROJECT, INCENTIVE):
        return roles.purpose(company.org_type, "", kind=m.kind)
    if m.kind == INITIATIVE:
        thrust = next(iter(sorted(counterpart.thrusts)), "")
        return roles.purpose(company.org_type, "", thrust=thrust, initiative=True)
    back = m.values.get("capability_back") or 0.0
    return roles.purpose(
        company.org_type,
        counterpart.org_type,
        offers_what_company_needs=back >= 0.5 and back > (m.values.get("capability") or 0.0),
    )


def _still_open(batch: list[int], rows: list[tuple], started: dt.datetime) -> list[tuple]:
    """Leave out pairs decided while this batch was being scored: a snooze taken meanwhile
    would clash with a new row for the same pair, an acceptance would be suggested again."""
    decided = set(
        MatchSuggestion.objects.filter(company_id__in=batch)
        .filter(
            Q(status=SuggestionStatus.SNOOZED)
            | Q(
                decided_at__gt=started,
                status__in=[SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED],
            )
        )
        .values_list("company_id", *_KEYS)
    )
    if not decided:
        return rows
    return [r for r in rows if (r[0], r[2], r[3], r[4], r[5]) not in decided]


def _replace(batch: list[int], rows: list[tuple], now: dt.datetime, started) -> None:
    table = MatchSuggestion._meta.db_table
    marks = ", ".join(["%s"] * len(batch))
    with transaction.atomic(), connection.cursor() as cursor:
        # A snooze that is over: the pair competes again like any other.
        expired = list(
            MatchSuggestion.objects.filter(
                company_id__in=batch,
                status=SuggestionStatus.SNOOZED,
                snoozed_until__lte=business_today(now),
            ).values_list("pk", flat=True)
        )
        if expired:
            MatchDecision.objects.filter(suggestion_id__in=expired).update(suggestion=None)
            MatchSuggestion.objects.filter(pk__in=expired).update(status=SuggestionStatus.NEW)
        cursor.execute(
            f"DELETE FROM {table} WHERE status = %s AND company_id IN ({marks})",
            [SuggestionStatus.NEW.value, *batch],
        )
        _insert(cursor, table, _still_open(batch, rows, started))


def _insert(cursor, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = ", ".join(_COLUMNS)
    if connection.vendor == "postgresql":
        # COPY: several times faster than INSERTs for a few hundred thousand rows.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    at = _COLUMNS.index("generated_at")
    adapt = connection.ops.adapt_datetimefield_value
    stamp = {}
    prepared = []
    for row in rows:
        when = row[at]
        if when not in stamp:
            stamp[when] = adapt(when)
        prepared.append((*row[:at], stamp[when], *row[at + 1 :]))
    marks = ", ".join(["%s"] * len(_COLUMNS))
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)
