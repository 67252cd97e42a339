"""From the database to plain profiles, and the engine kept warm between recomputes.

Profiles are read with `values_list` over the through tables (a few queries for the whole
directory, no model instances). The engine, with its feature matrices, is kept per process:
after one profile edit only the organizations changed since the last look are read again and
their rows replaced, so recomputing one company at 10,000 × 10,000 costs milliseconds, not the
seconds a full build takes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from engagement.models import (
    Capability,
    ImplementationStatus,
    Incentive,
    Initiative,
    MemberState,
    Organization,
    OrganizationKind,
    OrgType,
    Project,
    Thrust,
)
from matching import roles
from matching.features import (
    COMPANY,
    INCENTIVE,
    INITIATIVE,
    ORGANIZATION,
    PROJECT,
    CapabilityTerm,
    Profile,
    Taxonomy,
)
from matching.live import LIVE_VALUES, LiveStatus
from matching.models import MatchingPreference
from matching.scoring import Engine

# Rows committed late by a long transaction can carry an updated_at a little older than the
# newest one already seen: look back this far each time.
REFRESH_MARGIN = dt.timedelta(minutes=5)
_IN_CHUNK = 500


@dataclass(frozen=True)
class Reference:
    taxonomy: Taxonomy
    type_thrusts: dict[str, frozenset[str]]
    capability_code: dict[int, str]
    thrust_code: dict[int, str]
    state_code: dict[int, str]
    type_code: dict[int, str]


def load_reference() -> Reference:
    thrust_code = dict(Thrust.objects.values_list("id", "code"))
    cap_thrusts: dict[int, list[str]] = defaultdict(list)
    for cap_id, thrust_id in Capability.thrusts.through.objects.values_list(
        "capability_id", "thrust_id"
    ):
        cap_thrusts[cap_id].append(thrust_code[thrust_id])
    caps = list(
        Capability.objects.order_by("position", "code").values_list(
            "id", "code", "parent__code", "name_en", "name_ja", "synonyms_en", "synonyms_ja"
        )
    )
    type_thrusts: dict[str, set[str]] = defaultdict(set)
    type_code = dict(OrgType.objects.values_list("id", "code"))
    for type_id, thrust_id in OrgType.priority_thrusts.through.objects.values_list(
        "orgtype_id", "thrust_id"
    ):
        type_thrusts[type_code[type_id]].add(thrust_code[thrust_id])
    state_code = dict(MemberState.objects.values_list("id", "iso2"))
    taxonomy = Taxonomy(
        capabilities=tuple(
            CapabilityTerm(
                code=code,
                parent=parent,
                name_en=en,
                name_ja=ja,
                synonyms_en=tuple(syn_en or ()),
                synonyms_ja=tuple(syn_ja or ()),
                thrusts=tuple(sorted(cap_thrusts[pk])),
            )
            for pk, code, parent, en, ja, syn_en, syn_ja in caps
        ),
        thrusts=tuple(sorted(thrust_code.values())),
        member_states=tuple(sorted(state_code.values())),
        org_types=tuple(sorted(type_code.values())),
    )
    return Reference(
        taxonomy=taxonomy,
        type_thrusts={k: frozenset(v) for k, v in type_thrusts.items()},
        capability_code={pk: code for pk, code, *_ in caps},
        thrust_code=thrust_code,
        state_code=state_code,
        type_code=type_code,
    )


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _links(through, target: str, codes: dict[int, str], ids: Sequence[int] | None):
    out: dict[int, set[str]] = defaultdict(set)
    batches = [None] if ids is None else list(_chunks(ids))
    for batch in batches:
        rows = through.objects.all()
        if batch is not None:
            rows = rows.filter(organization_id__in=batch)
        for org_id, target_id in rows.values_list("organization_id", f"{target}_id"):
            out[org_id].add(codes[target_id])
    return out


def organization_profiles(ref: Reference, ids: Sequence[int] | None = None) -> list[Profile]:
    """Companies and institutions (all of them, or those with `ids`), as profiles."""
    fields = (
        "id",
        "kind",
        "name",
        "name_ja",
        "org_type_id",
        "country",
        "description",
        "description_ja",
        "accepting_partners",
        "archived_at",
    )
    rows = []
    for batch in [None] if ids is None else list(_chunks(list(ids))):
        qs = Organization.objects.all()
        if batch is not None:
            qs = qs.filter(pk__in=batch)
        rows.extend(qs.values_list(*fields))
    wanted = None if ids is None else [r[0] for r in rows]
    through = Organization.capabilities.through
    offers = _links(through, "capability", ref.capability_code, wanted)
    needs = _links(Organization.needs.through, "capability", ref.capability_code, wanted)
    thrusts = _links(Organization.thrusts.through, "thrust", ref.thrust_code, wanted)
    priority = _links(
        Organization.priority_countries.through, "memberstate", ref.state_code, wanted
    )
    presence = _links(
        Organization.presence_countries.through, "memberstate", ref.state_code, wanted
    )
    company_ids = [r[0] for r in rows if r[1] == OrganizationKind.JAPANESE_COMPANY]
    prefs = _preferences(ref, company_ids if ids is not None else None)
    out = []
    for pk, kind, name, name_ja, type_id, country, desc, desc_ja, accepting, archived in rows:
        # An archived (or merged) organization is no one's counterpart any more.
        accepting = accepting and archived is None
        org_type = ref.type_code.get(type_id, "")
        is_company = kind == OrganizationKind.JAPANESE_COMPANY
        excluded_countries, excluded_types, excluded_kinds = prefs.get(pk, _NO_PREFERENCES)
        out.append(
            Profile(
                key=pk,
                kind=COMPANY if is_company else ORGANIZATION,
                name=name,
                org_type=org_type,
                country=country,
                offers=frozenset(offers[pk]),
                needs=frozenset(needs[pk]),
                thrusts=frozenset(thrusts[pk]),
                type_thrusts=ref.type_thrusts.get(org_type, frozenset())
                if is_company
                else frozenset(),
                priority_countries=frozenset(priority[pk]),
                presence_countries=frozenset(presence[pk]),
                text="\n".join(t for t in (name, name_ja, desc, desc_ja) if t),
                accepting=accepting,
                excluded_countries=excluded_countries,
                excluded_org_types=excluded_types,
                excluded_kinds=excluded_kinds,
            )
        )
    return out


_NO_PREFERENCES: tuple[frozenset[str], ...] = (frozenset(), frozenset(), frozenset())


def _preferences(ref: Reference, company_ids: Sequence[int] | None):
    qs = MatchingPreference.objects.all()
    if company_ids is not None:
        qs = qs.filter(company_id__in=company_ids)
    pref_company = dict(qs.values_list("id", "company_id"))
    countries: dict[int, set[str]] = defaultdict(set)
    types: dict[int, set[str]] = defaultdict(set)
    through_c = MatchingPreference.excluded_countries.through
    for pref_id, state_id in through_c.objects.filter(
        matchingpreference_id__in=list(pref_company)
    ).values_list("matchingpreference_id", "memberstate_id"):
        countries[pref_company[pref_id]].add(ref.state_code[state_id])
    through_t = MatchingPreference.excluded_org_types.through
    for pref_id, type_id in through_t.objects.filter(
        matchingpreference_id__in=list(pref_company)
    ).values_list("matchingpreference_id", "orgtype_id"):
        types[pref_company[pref_id]].add(ref.type_code[type_id])
    # Purposes sought rule out the institution types, and the kinds of opportunity (projects,
    # incentives), that serve none of them.
    kinds: dict[int, frozenset[str]] = {}
    for company, purposes in qs.values_list("company_id", "purposes"):
        if purposes:
            types[company] |= roles.types_serving_none_of(purposes)
            kinds[company] = roles.kinds_serving_none_of(purposes)
    return {
        company: (
            frozenset(countries[company]),
            frozenset(types[company]),
            kinds.get(company, frozenset()),
        )
        for company in pref_company.values()
    }


def initiative_profiles(ref: Reference) -> list[Profile]:
    caps: dict[int, set[str]] = defaultdict(set)
    for init_id, cap_id in Initiative.capabilities.through.objects.values_list(
        "initiative_id", "capability_id"
    ):
        caps[init_id].add(ref.capability_code[cap_id])
    rows = (
        Initiative.objects.exclude(status=Initiative.Status.RETIRED)
        .order_by("position", "code")
        .values_list("id", "code", "name_en", "name_ja", "description", "thrust_id", "provenance")
    )
    return [
        Profile(
            key=pk,
            kind=INITIATIVE,
            name=f"{code} {name_en}",
            needs=frozenset(caps[pk]),
            thrusts=frozenset([ref.thrust_code[thrust_id]]),
            text="\n".join(t for t in (name_en, name_ja, description) if t),
            provenance=provenance,
        )
        for pk, code, name_en, name_ja, description, thrust_id, provenance in rows
    ]


def project_profiles(ref: Reference) -> list[Profile]:
    """Projects as counterparts: their needs are the capabilities they will buy, their country
    their member state; kind, phase and dates feed the phase timing (matching.roles)."""
    caps: dict[int, set[str]] = defaultdict(set)
    for project_id, cap_id in Project.capabilities.through.objects.values_list(
        "project_id", "capability_id"
    ):
        caps[project_id].add(ref.capability_code[cap_id])
    rows = Project.objects.order_by("code").values_list(
        "id",
        "code",
        "name_en",
        "name_ja",
        "country__iso2",
        "kind",
        "technology",
        "phase",
        "phase_as_of",
        "production_start_year",
    )
    return [
        Profile(
            key=pk,
            kind=PROJECT,
            name=f"{code} {name_en}",
            country=country,
            needs=frozenset(caps[pk]),
            text="\n".join(t for t in (name_en, name_ja, technology) if t),
            subtype=kind,
            phase=phase,
            phase_as_of=as_of.isoformat() if as_of else "",
            production_year=production or 0,
        )
        for pk, code, name_en, name_ja, country, kind, technology, phase, as_of, production in rows
    ]


def incentive_profiles(ref: Reference) -> list[Profile]:
    """Incentives as counterparts: the capabilities they favour as needs, their thrusts, their
    member state (or JP); kind and deadline feed their role factor (matching.roles)."""
    caps: dict[int, set[str]] = defaultdict(set)
    for incentive_id, cap_id in Incentive.capabilities.through.objects.values_list(
        "incentive_id", "capability_id"
    ):
        caps[incentive_id].add(ref.capability_code[cap_id])
    thrusts: dict[int, set[str]] = defaultdict(set)
    for incentive_id, thrust_id in Incentive.thrusts.through.objects.values_list(
        "incentive_id", "thrust_id"
    ):
        thrusts[incentive_id].add(ref.thrust_code[thrust_id])
    rows = Incentive.objects.order_by("code").values_list(
        "id", "code", "name_en", "name_ja", "country", "kind", "who_can_apply", "deadline"
    )
    return [
        Profile(
            key=pk,
            kind=INCENTIVE,
            name=f"{code} {name_en}",
            country=country,
            needs=frozenset(caps[pk]),
            thrusts=frozenset(thrusts[pk]),
            text="\n".join(t for t in (name_en, name_ja, who) if t),
            subtype=kind,
            deadline=deadline.isoformat() if deadline else "",
        )
        for pk, code, name_en, name_ja, country, kind, who, deadline in rows
    ]


def live_statuses(*, as_of: dt.date) -> tuple[LiveStatus, ...]:
    """The implementation watch as matching reads it: per (initiative, member state), the
    latest observation in effect on `as_of` (engagement.selectors.watch.current_statuses'
    rule), kept when it is launched or in progress. Derived from the history each time (one
    query, plain values), never stored."""
    rows = (
        ImplementationStatus.objects.filter(effective_on__lte=as_of)
        .order_by("initiative_id", "member_state_id", "-effective_on", "-recorded_at", "-id")
        .values_list(
            "initiative_id",
            "member_state_id",
            "initiative__code",
            "member_state__iso2",
            "status",
            "effective_on",
        )
    )
    current: dict[tuple[int, int], tuple] = {}
    for init_id, state_id, *rest in rows:
        current.setdefault((init_id, state_id), (init_id, *rest))
    return tuple(
        LiveStatus(init_id, code, iso2, status, effective_on.isoformat())
        for init_id, code, iso2, status, effective_on in sorted(current.values())
        if status in LIVE_VALUES
    )


def build_engine(ref: Reference | None = None) -> Engine:
    ref = ref or load_reference()
    profiles = organization_profiles(ref)
    return Engine(
        ref.taxonomy,
        [p for p in profiles if p.kind == COMPANY],
        {
            ORGANIZATION: [p for p in profiles if p.kind == ORGANIZATION],
            INITIATIVE: initiative_profiles(ref),
            PROJECT: project_profiles(ref),
            INCENTIVE: incentive_profiles(ref),
        },
    )


# --- The engine kept between recomputes ---------------------------------------------------------


def _reference_signature() -> tuple:
    parts = []
    # Projects and incentives are few: any edit rebuilds the engine. Their versions count too:
    # every service write bumps one, whatever the clock says.
    for model in (Capability, Initiative, OrgType, Thrust, MemberState):
        agg = model.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
        parts.append((agg["n"], agg["at"]))
    for model in (Project, Incentive):
        agg = model.objects.aggregate(n=Count("pk"), at=Max("updated_at"), v=Sum("version"))
        parts.append((agg["n"], agg["at"], agg["v"]))
    return tuple(parts)


def _directory_stats() -> dict:
    return Organization.objects.aggregate(n=Count("pk"), max_id=Max("pk"), at=Max("updated_at"))


@dataclass
class _Cached:
    engine: Engine
    reference: Reference
    signature: tuple
    seen_at: dt.datetime | None
    max_id: int
    prefs_at: dt.datetime | None
    built_at: dt.datetime
    versions: dict[int, int]


_lock = threading.Lock()
_cached: _Cached | None = None


def reset_engine_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def _prefs_at() -> dt.datetime | None:
    return MatchingPreference.objects.aggregate(at=Max("updated_at"))["at"]


def engine_for_directory(*, fresh: bool = False, built_after: dt.datetime | None = None) -> Engine:
    """The engine for the directory as it is now: built once per process, then brought up to
    date with the organizations (and preferences) that changed since. `built_after` asks for a
    full rebuild if the kept one is older (a nightly run refreshes the n-gram weights)."""
    global _cached
    with _lock:
        signature = _reference_signature()
        stats = _directory_stats()
        stale = _cached is not None and built_after is not None and _cached.built_at < built_after
        if fresh or stale or _cached is None or _cached.signature != signature or not _patch(stats):
            started = timezone.now()
            ref = load_reference()
            versions = dict(Organization.objects.values_list("pk", "version"))
            _cached = _Cached(
                versions=versions,
                engine=build_engine(ref),
                reference=ref,
                signature=signature,
                seen_at=min(stats["at"], started) if stats["at"] else None,
                max_id=stats["max_id"] or 0,
                prefs_at=_prefs_at(),
                built_at=started,
            )
        return _cached.engine


def _patch(stats: dict) -> bool:
    """Bring the cached engine up to date; False when only a rebuild will do (a deletion, an
    organization that changed kind)."""
    assert _cached is not None
    engine = _cached.engine
    recent = Organization.objects.filter(pk__gt=_cached.max_id)
    if _cached.seen_at is not None:
        recent = Organization.objects.filter(
            Q(pk__gt=_cached.max_id) | Q(updated_at__gte=_cached.seen_at - REFRESH_MARGIN)
        )
    # Every write through the directory services bumps `version`: of the recently updated,
    # read again only those whose version moved.
    versions = dict(recent.values_list("pk", "version"))
    ids = {pk for pk, v in versions.items() if _cached.versions.get(pk) != v}
    prefs_at = _prefs_at()
    if prefs_at is not None and (_cached.prefs_at is None or prefs_at > _cached.prefs_at):
        since = (_cached.prefs_at or prefs_at) - REFRESH_MARGIN
        ids |= set(
            MatchingPreference.objects.filter(updated_at__gte=since).values_list(
                "company_id", flat=True
            )
        )
    profiles = organization_profiles(_cached.reference, sorted(ids)) if ids else []
    for p in profiles:
        side = engine.companies if p.kind == COMPANY else engine.sides[ORGANIZATION]
        other = engine.sides[ORGANIZATION] if p.kind == COMPANY else engine.companies
        if p.key in other.row:
            return False
        if p.key not in side.row and p.key <= _cached.max_id:
            return False  # an old organization we never saw: safer to rebuild
    engine.update(profiles)
    _cached.versions.update(versions)
    if len(engine.companies) + len(engine.sides[ORGANIZATION]) != stats["n"]:
        return False
    if stats["at"] is not None:
        _cached.seen_at = max(_cached.seen_at or stats["at"], stats["at"])
    _cached.max_id = max(_cached.max_id, stats["max_id"] or 0)
    _cached.prefs_at = prefs_at
    return True
