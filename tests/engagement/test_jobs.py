"""The background jobs' selection logic at frozen instants: who is told what, when, in which time
zone and language; and that each job run twice acts once, and `run_jobs --dry-run` writes nothing.

The jobs run here in the test process on a given `now`; tests/test_jobs_worker.py runs them in a
real Celery worker.
"""

import datetime as dt
import io
import zoneinfo
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from engagement.models import (
    ApiRequestCount,
    FollowUp,
    IdempotencyRecord,
    Incentive,
    MoU,
    Notification,
    OpportunityFollow,
    Pilot,
    TimelineEvent,
    WebhookDelivery,
)
from engagement.services import jobs
from engagement.services.followups import followup_complete
from engagement.services.mous import mou_sign
from engagement.services.partnerships import partnership_transition
from engagement.services.pilots import milestone_complete, pilot_flag_at_risk, pilot_start
from engagement.services.webhooks import webhook_endpoint_create
from tests import factories

pytestmark = pytest.mark.django_db

UTC = dt.UTC
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# Thursday 26 November 2026 (ISO week 48), 10:00 in Tokyo, 01:00 UTC: the same date in both.
NOW = jst(2026, 11, 26, 10, 0)
TODAY = dt.date(2026, 11, 26)
frozen = time_machine.travel(NOW, tick=False)

JA_PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _ja(msgid: str) -> str:
    """What a Japanese reader is shown for `msgid`: its translation in the Japanese catalogue,
    or the English text itself when there is no catalogue (or no translation), as gettext does."""
    if not JA_PO.exists():
        return msgid
    entry = polib.pofile(str(JA_PO)).find(msgid)
    return entry.msgstr if entry and entry.msgstr and not entry.fuzzy else msgid


def _run(name: str, *, dry_run: bool = False) -> list[str]:
    return jobs.run_job(name, now=timezone.now(), dry_run=dry_run).actions


def _notifications() -> list[tuple[str, str, str, str]]:
    return [
        (n.user.username, n.kind, n.dedupe_key, n.subject)
        for n in Notification.objects.select_related("user").order_by("id")
    ]


def _snapshot() -> dict:
    return {
        "notifications": Notification.objects.count(),
        "notification_keys": sorted(Notification.objects.values_list("dedupe_key", flat=True)),
        "followups": FollowUp.objects.count(),
        "followup_keys": sorted(
            FollowUp.objects.exclude(source_key=None).values_list("source_key", flat=True)
        ),
        "timeline": TimelineEvent.objects.count(),
        "mou_statuses": sorted(MoU.objects.values_list("title", "status")),
        "pilot_statuses": sorted(Pilot.objects.values_list("objective", "status")),
        "idempotency_keys": sorted(IdempotencyRecord.objects.values_list("key", flat=True)),
        "rate_counts": sorted(ApiRequestCount.objects.values_list("key", "second")),
    }


@pytest.fixture
def people(users):
    """The `users` fixture, each in Tokyo and reading English unless a test says otherwise."""
    for user in users.values():
        user.time_zone, user.language = "Asia/Tokyo", "en"
        user.save(update_fields=["time_zone", "language"])
    return users


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


def _deal(people, usm, **extra):
    return factories.partnership(
        people["bd_a"].team,
        counterparts=[usm],
        actor=people["bd_a"],
        title="Dicing lab at USM",
        **extra,
    )


def _signed_mou(deal, actor, *, title: str, expires_on: dt.date) -> MoU:
    mou = factories.mou(deal, actor=actor, title=title)
    mou_sign(actor=actor, mou=mou, signed_on=timezone.localdate(), expires_on=expires_on)
    return MoU.objects.get(pk=mou.pk)


def _running_pilot(deal, actor, *, objective: str, milestone_due: dt.date | None = None) -> Pilot:
    milestones = [{"title": "Install the saw", "due_on": milestone_due}] if milestone_due else []
    pilot = factories.pilot(deal, actor=actor, objective=objective, milestones=milestones)
    pilot_start(actor=actor, pilot=pilot, starts_on=timezone.localdate())
    return Pilot.objects.get(pk=pilot.pk)


# --- Overdue follow-ups -----------------------------------------------------------------------


def test_a_follow_up_due_yesterday_in_tokyo_is_reminded_from_08_00_jst_not_at_07_59(
    people, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(jst(2026, 11, 20, 10, 0), tick=False)
    f = factories.followup(
        bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-25", note="Send the syllabus to USM"
    )
    before = _snapshot()

    time_machine.move_to(jst(2026, 11, 26, 7, 59, 59), tick=False)
    assert _run("overdue_followups") == []
    assert _snapshot() == before

    time_machine.move_to(jst(2026, 11, 26, 8, 0), tick=False)
    assert _run("overdue_followups") == [f"reminded bd_a of follow-up {f.pk}"]

    assert _notifications() == [
        (
            "bd_a",
            "followup_overdue",
            f"overdue:{f.pk}:2026-11-26",
            "Overdue follow-up: Send the syllabus to USM",
        )
    ]
    n = Notification.objects.get()
    assert (n.body, n.url, n.email_status, n.read_at) == (
        "Due 2026-11-25, 1 day(s) overdue.",
        f"/follow-ups/#followup-{f.pk}",
        "pending",
        None,
    )


def test_at_one_instant_a_tokyo_owner_is_overdue_and_a_utc_owner_is_not_yet(people, time_machine):
    bd_a = people["bd_a"]
    in_utc = factories.user("bd_utc", role="bd_member", team=bd_a.team, time_zone="UTC")
    time_machine.move_to(jst(2026, 11, 20, 10, 0), tick=False)
    tokyo_f = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-25")
    utc_f = factories.followup(bd_a.team, owner=in_utc, actor=bd_a, due_on="2026-11-25")

    # 23:30 UTC on the 25th is 08:30 on the 26th in Tokyo: overdue there, still due today in UTC.
    time_machine.move_to(utc(2026, 11, 25, 23, 30), tick=False)
    assert _run("overdue_followups") == [f"reminded bd_a of follow-up {tokyo_f.pk}"]

    # The UTC owner's 26th has begun, but it is not 08:00 there yet.
    time_machine.move_to(utc(2026, 11, 26, 7, 59), tick=False)
    assert _run("overdue_followups") == []

    time_machine.move_to(utc(2026, 11, 26, 8, 0), tick=False)
    assert _run("overdue_followups") == [f"reminded bd_utc of follow-up {utc_f.pk}"]

    assert [(user, key) for user, _kind, key, _subject in _notifications()] == [
        ("bd_a", f"overdue:{tokyo_f.pk}:2026-11-26"),
        ("bd_utc", f"overdue:{utc_f.pk}:2026-11-26"),
    ]


def test_a_follow_up_due_today_is_not_overdue_even_at_the_end_of_the_day(people, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(jst(2026, 11, 20, 10, 0), tick=False)
    factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-26")
    factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-27")
    before = _snapshot()

    time_machine.move_to(jst(2026, 11, 26, 23, 59, 59), tick=False)
    actions = _run("overdue_followups")

    assert actions == []
    assert _snapshot() == before


def test_done_and_cancelled_follow_ups_are_not_reminded(people, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(jst(2026, 11, 20, 10, 0), tick=False)
    done = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-21")
    followup_complete(actor=bd_a, followup=done)
    before = _snapshot()

    time_machine.move_to(NOW, tick=False)
    actions = _run("overdue_followups")

    assert actions == []
    assert _snapshot() == before


def test_one_reminder_per_follow_up_per_day_however_often_the_job_runs(people, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(jst(2026, 11, 20, 10, 0), tick=False)
    f = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-25", note="Call")

    for hour in (8, 9, 17, 23):
        time_machine.move_to(jst(2026, 11, 26, hour, 0), tick=False)
        _run("overdue_followups")
    time_machine.move_to(jst(2026, 11, 27, 8, 15), tick=False)
    assert _run("overdue_followups") == [f"reminded bd_a of follow-up {f.pk}"]
    assert _run("overdue_followups") == []

    assert list(Notification.objects.order_by("id").values_list("dedupe_key", "body")) == [
        (f"overdue:{f.pk}:2026-11-26", "Due 2026-11-25, 1 day(s) overdue."),
        (f"overdue:{f.pk}:2026-11-27", "Due 2026-11-25, 2 day(s) overdue."),
    ]


@frozen
def test_the_teams_program_manager_is_told_at_exactly_7_days_overdue_not_at_6(people):
    bd_a, pm = people["bd_a"], people["pm"]
    factories.user("pm2", role="program_manager")
    bd_a.team.program_manager = pm
    bd_a.team.save()
    seven = factories.followup(
        bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-19", note="Send the quote"
    )
    six = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-20", note="Call")

    actions = _run("overdue_followups")

    assert actions == [
        f"reminded bd_a of follow-up {seven.pk}",
        f"told pm about follow-up {seven.pk}",
        f"reminded bd_a of follow-up {six.pk}",
    ]
    escalation = Notification.objects.get(kind="followup_escalated")
    assert (
        escalation.user,
        escalation.dedupe_key,
        escalation.subject,
        escalation.body,
        escalation.url,
    ) == (
        pm,
        f"overdue-escalated:{seven.pk}:{pm.pk}",
        "DISCO BD: follow-up 7 days overdue: Send the quote",
        "bd_a's follow-up 'Send the quote' was due 2026-11-19.",
        f"/#followup-{seven.pk}",
    )


@frozen
def test_without_a_team_program_manager_every_active_program_manager_is_told(people):
    bd_a, pm = people["bd_a"], people["pm"]
    pm2 = factories.user("pm2", role="program_manager")
    factories.user("pm_gone", role="program_manager", is_active=False)
    assert bd_a.team.program_manager is None
    f = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-10", note="Call")

    _run("overdue_followups")

    assert sorted(
        Notification.objects.filter(kind="followup_escalated").values_list(
            "user__username", "dedupe_key", "subject"
        )
    ) == [
        ("pm", f"overdue-escalated:{f.pk}:{pm.pk}", "DISCO BD: follow-up 16 days overdue: Call"),
        ("pm2", f"overdue-escalated:{f.pk}:{pm2.pk}", "DISCO BD: follow-up 16 days overdue: Call"),
    ]


def test_a_program_manager_is_told_once_not_every_day_the_follow_up_stays_overdue(
    people, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(jst(2026, 11, 10, 10, 0), tick=False)
    f = factories.followup(bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-19")

    for day in (26, 27, 28):
        time_machine.move_to(jst(2026, 11, day, 9, 0), tick=False)
        _run("overdue_followups")

    assert list(
        Notification.objects.order_by("id").values_list("user__username", "dedupe_key")
    ) == [
        ("bd_a", f"overdue:{f.pk}:2026-11-26"),
        ("pm", f"overdue-escalated:{f.pk}:{people['pm'].pk}"),
        ("bd_a", f"overdue:{f.pk}:2026-11-27"),
        ("bd_a", f"overdue:{f.pk}:2026-11-28"),
    ]


# --- MoU expiry -------------------------------------------------------------------------------


@frozen
@pytest.mark.parametrize(
    ("days_left", "notice"), [(90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7)]
)
def test_an_mou_gets_the_notice_of_the_window_its_expiry_falls_in(people, usm, days_left, notice):
    bd_a = people["bd_a"]
    deal = _deal(people, usm)
    expires = TODAY + dt.timedelta(days=days_left)
    mou = _signed_mou(deal, bd_a, title="Training MoU", expires_on=expires)

    actions = _run("mou_expiry")

    assert actions == [
        f"opened a renewal follow-up for MoU {mou.pk}",
        f"told bd_a MoU {mou.pk} expires in {days_left} days",
    ]
    assert _notifications() == [
        (
            "bd_a",
            "mou_expiring",
            f"mou-expiring:{mou.pk}:{notice}:{bd_a.pk}",
            f"MoU expires in {days_left} days: Training MoU",
        )
    ]
    n = Notification.objects.get()
    assert (n.body, n.url) == (
        f"Training MoU expires on {expires}. Plan its renewal.",
        f"/partnerships/{deal.pk}/",
    )
    renewal = FollowUp.objects.get(source_key=f"mou-renewal:{mou.pk}")
    assert (
        renewal.owner,
        renewal.team,
        renewal.mou,
        renewal.priority,
        renewal.status,
        renewal.due_on,
        renewal.note,
    ) == (
        bd_a,
        deal.team,
        mou,
        "high",
        "open",
        expires - dt.timedelta(days=7) if days_left > 7 else expires,
        f"Renew MoU 'Training MoU' (expires {expires})",
    )


@frozen
def test_an_mou_expiring_in_91_days_gets_no_notice_yet(people, usm):
    bd_a = people["bd_a"]
    _signed_mou(_deal(people, usm), bd_a, title="MoU", expires_on=TODAY + dt.timedelta(days=91))
    before = _snapshot()

    actions = _run("mou_expiry")

    assert actions == []
    assert _snapshot() == before


def test_one_renewal_follow_up_per_mou_across_the_90_30_and_7_day_notices(
    people, usm, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    expires = TODAY + dt.timedelta(days=90)
    mou = _signed_mou(_deal(people, usm), bd_a, title="Training MoU", expires_on=expires)
    events_before = TimelineEvent.objects.filter(kind="followup_created").count()

    for days_left in (90, 30, 7):
        time_machine.move_to(NOW + dt.timedelta(days=90 - days_left), tick=False)
        _run("mou_expiry")
        _run("mou_expiry")

    assert list(FollowUp.objects.values_list("source_key", "due_on")) == [
        (f"mou-renewal:{mou.pk}", expires - dt.timedelta(days=7))
    ]
    assert TimelineEvent.objects.filter(kind="followup_created").count() == events_before + 1
    assert [key for _user, _kind, key, _subject in _notifications()] == [
        f"mou-expiring:{mou.pk}:90:{bd_a.pk}",
        f"mou-expiring:{mou.pk}:30:{bd_a.pk}",
        f"mou-expiring:{mou.pk}:7:{bd_a.pk}",
    ]


def test_a_signed_mou_becomes_active_on_its_effective_date_in_tokyo_once(people, usm, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm)
    mou = factories.mou(deal, actor=bd_a, title="Secondment MoU")
    mou_sign(
        actor=bd_a,
        mou=mou,
        signed_on="2026-11-26",
        effective_on="2026-12-01",
        expires_on="2027-12-01",
    )
    assert MoU.objects.get(pk=mou.pk).status == "signed"
    webhook_endpoint_create(
        actor=people["integrator_a"], url="https://crm.example.com/hook", events=["mou.activated"]
    )

    time_machine.move_to(jst(2026, 11, 30, 23, 59, 59), tick=False)
    early = _run("mou_expiry")
    time_machine.move_to(jst(2026, 12, 1, 0, 0), tick=False)
    preview = jobs.run_job("mou_expiry", now=timezone.now(), dry_run=True).actions
    first = _run("mou_expiry")
    second = _run("mou_expiry")

    assert early == []
    assert preview == ["mark MoU 'Secondment MoU' active (effective 2026-12-01)"]
    assert first == [f"marked MoU {mou.pk} active"]
    assert second == []
    mou = MoU.objects.get(pk=mou.pk)
    assert (mou.status, mou.version) == ("active", 3)
    event = TimelineEvent.objects.filter(object_type="mou", object_id=mou.pk).latest("id")
    assert event.data == {
        "action": "activated",
        "title": "Secondment MoU",
        "effective_on": "2026-12-01",
    }
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.event, delivery.payload["data"]) == (
        "mou.activated",
        {"id": mou.pk, "team": "team-a", "partnership": deal.pk, "effective_on": "2026-12-01"},
    )


def test_on_its_expiry_date_an_mou_becomes_expired_and_its_owner_is_told(people, usm, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm)
    mou = _signed_mou(deal, bd_a, title="Training MoU", expires_on=dt.date(2026, 12, 6))

    # The expiry date is a day of the business calendar (Tokyo): it starts at 15:00 UTC.
    time_machine.move_to(jst(2026, 12, 5, 23, 59, 59), tick=False)
    _run("mou_expiry")
    assert MoU.objects.get(pk=mou.pk).status == "active"

    time_machine.move_to(jst(2026, 12, 6, 0, 0), tick=False)
    before = _snapshot()
    actions = _run("mou_expiry")

    assert actions == [f"marked MoU {mou.pk} expired"]
    mou = MoU.objects.get(pk=mou.pk)
    assert (mou.status, mou.version) == ("expired", 3)
    assert _notifications()[-1] == (
        "bd_a",
        "mou_expired",
        f"mou-expired:{mou.pk}:{bd_a.pk}",
        "MoU expired: Training MoU",
    )
    assert TimelineEvent.objects.filter(object_type="mou", object_id=mou.pk).latest("id").data == {
        "action": "expired",
        "title": "Training MoU",
        "expires_on": "2026-12-06",
    }
    after = _snapshot()
    assert (after["notifications"], after["timeline"], after["followups"]) == (
        before["notifications"] + 1,
        before["timeline"] + 1,
        before["followups"],
    )

    assert _run("mou_expiry") == []
    assert _snapshot() == after


@frozen
def test_without_a_partnership_owner_the_teams_members_are_told(people, usm):
    bd_a = people["bd_a"]
    colleague = factories.user("bd_a2", role="bd_member", team=bd_a.team)
    deal = _deal(people, usm, owner=None)
    assert deal.owner is None
    mou = _signed_mou(deal, bd_a, title="MoU", expires_on=TODAY + dt.timedelta(days=30))

    _run("mou_expiry")

    assert sorted(Notification.objects.values_list("user__username", "dedupe_key")) == [
        ("bd_a", f"mou-expiring:{mou.pk}:30:{bd_a.pk}"),
        ("bd_a2", f"mou-expiring:{mou.pk}:30:{colleague.pk}"),
    ]
    assert FollowUp.objects.get(source_key=f"mou-renewal:{mou.pk}").owner == bd_a


# --- Stalled pilots ---------------------------------------------------------------------------


def test_a_running_pilot_with_an_overdue_milestone_is_flagged_at_risk_once(
    people, usm, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm)
    pilot = _running_pilot(
        deal, bd_a, objective="Dicing yield trial", milestone_due=dt.date(2026, 12, 1)
    )

    time_machine.move_to(utc(2026, 12, 1, 12, 0), tick=False)  # due today: not overdue yet
    before = _snapshot()
    assert _run("stalled_pilots") == []
    assert _snapshot() == before

    time_machine.move_to(utc(2026, 12, 2, 0, 0), tick=False)
    assert _run("stalled_pilots") == [f"flagged pilot {pilot.pk} at risk"]

    pilot = Pilot.objects.get(pk=pilot.pk)
    assert (pilot.status, pilot.risk_reason, pilot.version) == (
        "at_risk",
        "A milestone is overdue.",
        3,
    )
    risk = FollowUp.objects.get(pilot=pilot)
    assert (
        risk.source_key,
        risk.owner,
        risk.due_on,
        risk.priority,
        risk.note,
    ) == (
        f"pilot-risk:{pilot.pk}:3",
        bd_a,
        dt.date(2026, 12, 5),
        "high",
        "Pilot at risk: A milestone is overdue.",
    )
    assert _notifications() == [
        ("bd_a", "pilot_at_risk", f"pilot-risk:{pilot.pk}:3", "Pilot at risk: Dicing yield trial")
    ]
    assert Notification.objects.get().body == "A milestone is overdue."
    assert TimelineEvent.objects.filter(object_type="pilot", object_id=pilot.pk).latest(
        "id"
    ).data == {
        "objective": "Dicing yield trial",
        "action": "at_risk",
        "status": "at_risk",
        "reason": "A milestone is overdue.",
    }

    flagged = _snapshot()
    assert _run("stalled_pilots") == []
    assert _snapshot() == flagged


@pytest.mark.parametrize(
    ("quiet_for", "status"),
    [
        (dt.timedelta(days=29), "running"),
        (dt.timedelta(days=30) - dt.timedelta(seconds=1), "running"),
        (dt.timedelta(days=30), "at_risk"),
    ],
)
def test_a_pilot_without_activity_for_30_days_is_at_risk_not_at_29(
    people, usm, time_machine, quiet_for, status
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    pilot = _running_pilot(_deal(people, usm), bd_a, objective="Dicing yield trial")
    assert pilot.last_activity_at == NOW

    time_machine.move_to(NOW + quiet_for, tick=False)
    actions = _run("stalled_pilots")

    pilot = Pilot.objects.get(pk=pilot.pk)
    assert pilot.status == status
    if status == "at_risk":
        assert actions == [f"flagged pilot {pilot.pk} at risk"]
        assert pilot.risk_reason == "No activity for 30 days."
        assert FollowUp.objects.get(pilot=pilot).note == "Pilot at risk: No activity for 30 days."
    else:
        assert actions == []
        assert (FollowUp.objects.count(), Notification.objects.count()) == (0, 0)


def test_an_at_risk_pilot_recovers_when_its_milestone_is_done_and_activity_is_recent(
    people, usm, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    pilot = _running_pilot(
        _deal(people, usm), bd_a, objective="Trial", milestone_due=dt.date(2026, 12, 1)
    )
    time_machine.move_to(utc(2026, 12, 2, 0, 0), tick=False)
    _run("stalled_pilots")
    milestone = pilot.milestones.get()

    time_machine.move_to(utc(2026, 12, 3, 0, 0), tick=False)
    milestone_complete(actor=bd_a, milestone=milestone)
    before = _snapshot()
    actions = _run("stalled_pilots")

    assert actions == [f"pilot {pilot.pk} recovered"]
    pilot = Pilot.objects.get(pk=pilot.pk)
    assert (pilot.status, pilot.risk_reason, pilot.version) == ("running", "", 4)
    assert TimelineEvent.objects.filter(object_type="pilot", object_id=pilot.pk).latest(
        "id"
    ).data == {"objective": "Trial", "action": "recovered", "status": "running", "reason": ""}
    after = _snapshot()
    assert (after["notifications"], after["followups"], after["timeline"]) == (
        before["notifications"],
        before["followups"],
        before["timeline"] + 1,
    )
    # The follow-up opened when it was flagged stays for its owner to close.
    assert FollowUp.objects.get(pilot=pilot).status == "open"


def test_recent_activity_alone_does_not_clear_the_risk_while_a_milestone_is_overdue(
    people, usm, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm)
    pilot = _running_pilot(deal, bd_a, objective="Trial", milestone_due=dt.date(2026, 12, 1))
    time_machine.move_to(utc(2026, 12, 2, 0, 0), tick=False)
    _run("stalled_pilots")

    time_machine.move_to(utc(2026, 12, 3, 0, 0), tick=False)
    factories.engagement(deal.team, organizations=[usm], actor=bd_a, partnership=deal.pk)
    assert Pilot.objects.get(pk=pilot.pk).last_activity_at == utc(2026, 12, 3, 0, 0)
    before = _snapshot()

    actions = _run("stalled_pilots")

    assert actions == []
    assert _snapshot() == before
    assert Pilot.objects.get(pk=pilot.pk).status == "at_risk"


def test_a_done_milestone_does_not_clear_the_risk_without_recent_activity(
    people, usm, time_machine
):
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    pilot = _running_pilot(
        _deal(people, usm), bd_a, objective="Trial", milestone_due=dt.date(2026, 12, 1)
    )
    time_machine.move_to(utc(2026, 12, 2, 0, 0), tick=False)
    _run("stalled_pilots")
    milestone_complete(actor=bd_a, milestone=pilot.milestones.get())

    time_machine.move_to(utc(2027, 1, 1, 0, 0), tick=False)  # 30 days without activity since
    before = _snapshot()
    actions = _run("stalled_pilots")

    assert actions == []
    assert _snapshot() == before
    assert Pilot.objects.get(pk=pilot.pk).status == "at_risk"


# --- Stale partnerships -----------------------------------------------------------------------


@frozen
@pytest.mark.parametrize(("days", "nudged"), [(59, False), (60, True)])
def test_a_partnership_without_engagement_for_60_days_is_nudged_not_at_59(
    people, usm, days, nudged
):
    bd_a = people["bd_a"]
    deal = _deal(people, usm, identified_at=NOW - dt.timedelta(days=120))
    factories.engagement(
        deal.team,
        organizations=[usm],
        actor=bd_a,
        partnership=deal.pk,
        occurred_at=NOW - dt.timedelta(days=days),
    )
    before = _snapshot()

    actions = _run("stale_partnerships")

    if not nudged:
        assert actions == []
        assert _snapshot() == before
        return
    assert actions == [f"nudged bd_a about partnership {deal.pk}"]
    assert _notifications() == [
        (
            "bd_a",
            "partnership_stale",
            f"stale:{deal.pk}:2026-W48",
            "No engagement for 60 days: Dicing lab at USM",
        )
    ]
    assert Notification.objects.get().url == f"/partnerships/{deal.pk}/"


@frozen
def test_a_partnership_that_never_had_an_engagement_is_nudged_60_days_after_it_opened(people, usm):
    old = _deal(people, usm, identified_at=NOW - dt.timedelta(days=60))
    _deal(people, usm, identified_at=NOW - dt.timedelta(days=59))

    assert _run("stale_partnerships", dry_run=True) == [
        "nudge bd_a: no engagement yet on 'Dicing lab at USM'"
    ]
    assert _run("stale_partnerships") == [f"nudged bd_a about partnership {old.pk}"]


@frozen
@pytest.mark.parametrize(
    ("stage", "reason"),
    [("on_hold", ""), ("lost", "The institute chose another vendor."), ("active", "Fast track")],
)
def test_partnerships_on_hold_lost_or_active_are_not_nudged(people, usm, stage, reason):
    bd_a = people["bd_a"]
    deal = _deal(people, usm, identified_at=NOW - dt.timedelta(days=120))
    partnership_transition(
        actor=bd_a, partnership=deal, to=stage, reason=reason, at=NOW - dt.timedelta(days=100)
    )
    before = _snapshot()

    actions = _run("stale_partnerships")

    assert actions == []
    assert _snapshot() == before


def test_a_stale_partnership_is_nudged_at_most_once_per_iso_week(people, usm, time_machine):
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm, identified_at=NOW - dt.timedelta(days=90))

    for instant in (NOW, utc(2026, 11, 27, 12, 0), utc(2026, 11, 29, 23, 59)):  # W48
        time_machine.move_to(instant, tick=False)
        _run("stale_partnerships")
    time_machine.move_to(utc(2026, 11, 30, 0, 0), tick=False)  # Monday: W49
    _run("stale_partnerships")
    _run("stale_partnerships")

    assert list(Notification.objects.order_by("id").values_list("dedupe_key", flat=True)) == [
        f"stale:{deal.pk}:2026-W48",
        f"stale:{deal.pk}:2026-W49",
    ]


# --- Weekly digest ----------------------------------------------------------------------------


@pytest.fixture
def week_of_work(people, usm, time_machine):
    """bd_a's team's records on Thursday 26 November, for the digest of Monday 30 November."""
    bd_a = people["bd_a"]
    time_machine.move_to(NOW, tick=False)
    deal = _deal(people, usm)
    team = bd_a.team
    factories.followup(team, owner=bd_a, actor=bd_a, due_on="2026-11-27", note="Send the syllabus")
    factories.followup(team, owner=bd_a, actor=bd_a, due_on="2026-12-03", note="Call the dean")
    factories.followup(team, owner=bd_a, actor=bd_a, due_on="2026-12-20", note="Plan a workshop")
    done = factories.followup(team, owner=bd_a, actor=bd_a, due_on="2026-11-28", note="Done")
    followup_complete(actor=bd_a, followup=done)
    _signed_mou(deal, bd_a, title="Training MoU", expires_on=dt.date(2027, 2, 15))
    _signed_mou(deal, bd_a, title="Research MoU", expires_on=dt.date(2027, 6, 30))
    pilot = _running_pilot(deal, bd_a, objective="Dicing yield trial")
    pilot_flag_at_risk(actor=bd_a, pilot=pilot, reason="The saw has not arrived.")
    return deal


DIGEST_BODY = (
    "Overdue follow-ups (1)\n"
    "  - 2026-11-27 Send the syllabus\n"
    "\n"
    "Follow-ups due this week (1)\n"
    "  - 2026-12-03 Call the dean\n"
    "\n"
    "MoUs expiring within 90 days (1)\n"
    "  - 2027-02-15 Training MoU\n"
    "\n"
    "Pilots at risk (1)\n"
    "  - Dicing yield trial: The saw has not arrived."
)


def test_the_digest_goes_out_on_monday_from_08_00_in_each_users_time_zone(
    people, week_of_work, time_machine
):
    integrator = people["integrator_a"]
    integrator.time_zone = "UTC"
    integrator.save(update_fields=["time_zone"])
    before = _snapshot()

    time_machine.move_to(jst(2026, 11, 30, 7, 59), tick=False)
    assert _run("weekly_digest") == []
    assert _snapshot() == before

    time_machine.move_to(jst(2026, 11, 30, 8, 0), tick=False)  # Sunday 23:00 UTC
    assert _run("weekly_digest") == [
        "sent bd_a the weekly digest",
        "sent pm the weekly digest",
        "sent admin the weekly digest",
    ]
    time_machine.move_to(utc(2026, 11, 30, 8, 0), tick=False)  # Monday 08:00 UTC
    assert _run("weekly_digest") == ["sent integrator_a the weekly digest"]

    subject = "Your week in the AFISS tracker (2026-W49)"
    assert _notifications() == [
        ("bd_a", "digest", f"digest:{people['bd_a'].pk}:2026-W49", subject),
        ("pm", "digest", f"digest:{people['pm'].pk}:2026-W49", subject),
        ("admin", "digest", f"digest:{people['admin'].pk}:2026-W49", subject),
        ("integrator_a", "digest", f"digest:{integrator.pk}:2026-W49", subject),
    ]
    assert Notification.objects.get(user=people["bd_a"]).body == DIGEST_BODY
    # Team A's records are not team B's business: bd_b has nothing, so gets no digest.
    assert not Notification.objects.filter(user=people["bd_b"]).exists()
    # Program managers see every team's MoUs and pilots, not anyone's own follow-ups.
    assert Notification.objects.get(user=people["pm"]).body == (
        "MoUs expiring within 90 days (1)\n"
        "  - 2027-02-15 Training MoU\n"
        "\n"
        "Pilots at risk (1)\n"
        "  - Dicing yield trial: The saw has not arrived."
    )


def test_the_digest_is_written_in_the_users_language(people, week_of_work, time_machine):
    bd_a = people["bd_a"]
    bd_a.language = "ja"
    bd_a.save(update_fields=["language"])

    time_machine.move_to(jst(2026, 11, 30, 9, 0), tick=False)
    _run("weekly_digest")

    digest = Notification.objects.get(user=bd_a)
    # Japanese when the Japanese catalogue exists (locale/ja/LC_MESSAGES/django.po), English
    # otherwise: _ja() gives what gettext gives in each case.
    assert digest.subject == _ja("Your week in the AFISS tracker (%(week)s)") % {"week": "2026-W49"}
    assert digest.body == (
        f"{_ja('Overdue follow-ups')} (1)\n"
        "  - 2026-11-27 Send the syllabus\n"
        "\n"
        f"{_ja('Follow-ups due this week')} (1)\n"
        "  - 2026-12-03 Call the dean\n"
        "\n"
        f"{_ja('MoUs expiring within 90 days')} (1)\n"
        "  - 2027-02-15 Training MoU\n"
        "\n"
        f"{_ja('Pilots at risk')} (1)\n"
        "  - Dicing yield trial: The saw has not arrived."
    )
    if JA_PO.exists():
        assert digest.subject != "Your week in the AFISS tracker (2026-W49)"
    # Each reader's own language: English for the program manager at the same run.
    assert Notification.objects.get(user=people["pm"]).subject == (
        "Your week in the AFISS tracker (2026-W49)"
    )


def test_the_digest_goes_out_once_a_week_and_only_on_the_digest_weekday(
    people, week_of_work, time_machine
):
    assert settings.DIGEST_WEEKDAY == 0  # Monday
    bd_a = people["bd_a"]
    for instant in (
        jst(2026, 11, 29, 12, 0),  # Sunday
        jst(2026, 11, 30, 8, 0),  # Monday
        jst(2026, 11, 30, 23, 59),  # Monday again
        jst(2026, 12, 1, 9, 0),  # Tuesday
        jst(2026, 12, 7, 8, 30),  # next Monday
    ):
        time_machine.move_to(instant, tick=False)
        _run("weekly_digest")

    assert list(
        Notification.objects.filter(user=bd_a).order_by("id").values_list("dedupe_key", flat=True)
    ) == [f"digest:{bd_a.pk}:2026-W49", f"digest:{bd_a.pk}:2026-W50"]


def test_a_user_with_nothing_to_report_gets_no_digest(people, time_machine):
    time_machine.move_to(jst(2026, 11, 30, 9, 0), tick=False)
    before = _snapshot()

    actions = _run("weekly_digest")

    assert actions == []
    assert _snapshot() == before


# --- Every job at once: run twice acts once; run_jobs -------------------------------------------

# Monday 30 November 2026, 10:00 in Tokyo: every job has something to do.
MONDAY = jst(2026, 11, 30, 10, 0)


@pytest.fixture
def everything_due(people, usm, time_machine):
    bd_a = people["bd_a"]
    time_machine.move_to(utc(2026, 8, 20, 1, 0), tick=False)
    deal = _deal(people, usm)  # no engagement since: stale
    factories.followup(
        bd_a.team, owner=bd_a, actor=bd_a, due_on="2026-11-20", note="Send the syllabus"
    )
    _signed_mou(deal, bd_a, title="Training MoU", expires_on=dt.date(2026, 12, 30))
    _signed_mou(deal, bd_a, title="Equipment loan MoU", expires_on=dt.date(2026, 11, 30))
    _running_pilot(deal, bd_a, objective="Dicing yield trial", milestone_due=dt.date(2026, 11, 1))
    IdempotencyRecord.objects.create(user=bd_a, key="retry-1", fingerprint="f", body={})
    # The rate limit's count of a request made in August: out of every window by Monday.
    ApiRequestCount.objects.create(
        key="throttle_principal_user:1", second=int(timezone.now().timestamp()), count=3
    )
    # An incentive bd_a follows closes two weeks after Monday.
    grant = Incentive.objects.get(code="MY-MIDA-FIAF")
    Incentive.objects.filter(pk=grant.pk).update(deadline=dt.date(2026, 12, 14))
    OpportunityFollow.objects.create(user=bd_a, incentive=grant)
    time_machine.move_to(MONDAY, tick=False)
    return deal


@pytest.mark.parametrize("name", list(jobs.JOBS))
def test_each_job_run_twice_creates_exactly_what_it_creates_run_once(everything_due, name):
    before = _snapshot()

    first = _run(name)
    once = _snapshot()
    second = _run(name)

    assert first != []
    assert once != before
    assert second == []
    assert _snapshot() == once


def test_all_jobs_run_twice_leave_what_one_run_left(everything_due):
    for name in jobs.JOBS:
        _run(name)
    once = _snapshot()

    for name in jobs.JOBS:
        assert _run(name) == []

    assert _snapshot() == once
    assert once["mou_statuses"] == [("Equipment loan MoU", "expired"), ("Training MoU", "active")]
    assert once["pilot_statuses"] == [("Dicing yield trial", "at_risk")]


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("run_jobs", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_run_jobs_dry_run_says_what_each_job_would_do_and_writes_nothing(everything_due):
    before = _snapshot()

    output = _command("--dry-run")

    assert _snapshot() == before
    assert output == (
        "Overdue follow-ups: would do 2 thing(s):\n"
        "  - remind bd_a: 'Send the syllabus' (due 2026-11-20, 10 day(s) overdue)\n"
        "  - tell program manager pm: DISCO BD's follow-up 'Send the syllabus' is 10 days overdue\n"
        "MoU expiry: would do 3 thing(s):\n"
        "  - open a renewal follow-up for MoU 'Training MoU' (expires 2026-12-30, in 30 days)\n"
        "  - tell bd_a MoU 'Training MoU' expires in 30 days\n"
        "  - mark MoU 'Equipment loan MoU' expired (expiry date 2026-11-30)\n"
        "Stalled pilots: would do 1 thing(s):\n"
        "  - flag pilot 'Dicing yield trial' at risk: A milestone is overdue.\n"
        "Stale partnerships: would do 1 thing(s):\n"
        "  - nudge bd_a: no engagement yet on 'Dicing lab at USM'\n"
        "Weekly digest: would do 4 thing(s):\n"
        "  - send bd_a a digest of 3 item(s)\n"
        "  - send integrator_a a digest of 2 item(s)\n"
        "  - send pm a digest of 2 item(s)\n"
        "  - send admin a digest of 2 item(s)\n"
        "Purge idempotency records: would do 1 thing(s):\n"
        "  - forget 1 stored idempotency answer(s)\n"
        "Purge API rate counts: would do 1 thing(s):\n"
        "  - forget 1 rate count(s) outside the window\n"
        "Incentive deadlines: would do 1 thing(s):\n"
        "  - tell bd_a MY-MIDA-FIAF closes in 14 days\n"
    )


def test_run_jobs_dry_run_of_one_job_names_only_that_job(everything_due):
    before = _snapshot()

    output = _command("--job", "stalled_pilots", "--dry-run")

    assert output == (
        "Stalled pilots: would do 1 thing(s):\n"
        "  - flag pilot 'Dicing yield trial' at risk: A milestone is overdue.\n"
    )
    assert _snapshot() == before


def test_run_jobs_acts_and_a_second_run_has_nothing_to_do(everything_due):
    first = _command()
    once = _snapshot()

    second = _command()

    assert first.splitlines()[0] == "Overdue follow-ups: did 2 thing(s):"
    assert [line for line in first.splitlines() if not line.startswith("  - ")] == [
        "Overdue follow-ups: did 2 thing(s):",
        "MoU expiry: did 3 thing(s):",
        "Stalled pilots: did 1 thing(s):",
        "Stale partnerships: did 1 thing(s):",
        "Weekly digest: did 4 thing(s):",
        "Purge idempotency records: did 1 thing(s):",
        "Purge API rate counts: did 1 thing(s):",
        "Incentive deadlines: did 1 thing(s):",
    ]
    assert second == (
        "Overdue follow-ups: nothing to do.\n"
        "MoU expiry: nothing to do.\n"
        "Stalled pilots: nothing to do.\n"
        "Stale partnerships: nothing to do.\n"
        "Weekly digest: nothing to do.\n"
        "Purge idempotency records: nothing to do.\n"
        "Purge API rate counts: nothing to do.\n"
        "Incentive deadlines: nothing to do.\n"
    )
    assert _snapshot() == once


# --- Forgetting idempotency answers --------------------------------------------------------------


def test_idempotency_answers_are_forgotten_after_a_day_once(users):
    def stored(key: str, at: dt.datetime) -> None:
        with time_machine.travel(at, tick=False):
            IdempotencyRecord.objects.create(
                user=users["integrator_a"], key=key, fingerprint="f", status_code=201, body={}
            )

    stored("old", utc(2026, 11, 1, 8, 0))
    stored("recent", utc(2026, 11, 2, 7, 0))
    now = utc(2026, 11, 2, 8, 30)

    preview = jobs.run_job("purge_idempotency_records", now=now, dry_run=True)
    kept_by_preview = IdempotencyRecord.objects.count()
    first = jobs.run_job("purge_idempotency_records", now=now)
    second = jobs.run_job("purge_idempotency_records", now=now)

    assert preview.actions == ["forget 1 stored idempotency answer(s)"]
    assert kept_by_preview == 2
    assert first.actions == ["forget 1 stored idempotency answer(s)"]
    assert second.actions == []
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_rate_counts_are_forgotten_once_no_window_holds_them(settings):
    # A minute's window at 1,200/min: a request in second s counts until s + 60 has passed.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "1200/min"},
    }
    now = utc(2026, 11, 2, 8, 30)
    second = int(now.timestamp())
    for key, at in [("old", second - 61), ("edge", second - 60), ("recent", second - 1)]:
        ApiRequestCount.objects.create(key=key, second=at, count=1)

    preview = jobs.run_job("purge_api_request_counts", now=now, dry_run=True)
    kept_by_preview = ApiRequestCount.objects.count()
    first = jobs.run_job("purge_api_request_counts", now=now)
    second_run = jobs.run_job("purge_api_request_counts", now=now)

    assert preview.actions == ["forget 1 rate count(s) outside the window"]
    assert kept_by_preview == 3
    assert first.actions == ["forget 1 rate count(s) outside the window"]
    assert second_run.actions == []
    kept = ApiRequestCount.objects.order_by("second").values_list("key", flat=True)
    assert list(kept) == ["edge", "recent"]


@pytest.mark.parametrize("name", list(jobs.JOBS))
def test_a_dry_run_names_one_action_for_each_the_real_run_then_takes(everything_due, name):
    """A dry run reads the same due records and the same claims as the run that acts: it can
    neither promise what the run will not do nor leave out what it will."""
    would = _run(name, dry_run=True)

    did = _run(name)

    assert len(would) == len(did), (would, did)
    assert did != []
