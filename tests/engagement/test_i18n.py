"""The Japanese catalogue: complete and compiled, and what a person whose language is Japanese
sees (pages, stage names, notifications) while an English reader sees none of it."""

import datetime as dt
from io import StringIO
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from engagement.models import Notification
from engagement.services.jobs import overdue_followups
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_catalogue", "english_afterwards"),
]
NOW = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo, the users' time zone
TODAY = dt.date(2026, 11, 26)
PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
STAGES_JA = ["特定", "接触済み", "検討中", "MoU交渉中", "MoU締結", "パイロット", "契約", "稼働中"]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ja_user(users):
    user = users["bd_a"]
    user.language = "ja"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


def _page(client, user, path: str):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response


# --- The catalogue ------------------------------------------------------------------------------


def test_the_catalogue_compiles_with_every_entry_translated():
    out = StringIO()

    call_command("compile_translations", stdout=out)

    po = polib.pofile(str(PO))
    assert out.getvalue() == "Compiled 1 catalogue(s).\n"
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert po.metadata["Language"] == "ja"
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert PO.with_suffix(".mo").is_file()


def test_every_plural_entry_has_its_one_japanese_form():
    po = polib.pofile(str(PO))

    plurals = [e for e in po if e.msgid_plural]

    assert plurals
    assert [e.msgid for e in plurals if list(e.msgstr_plural) != [0]] == []


def test_the_japanese_catalogue_uses_the_report_s_terms_for_the_framework():
    # The report (seed, Japanese summary): 3つの分野 (中核分野), 6つの戦略課題, 約30の施策.
    po = polib.pofile(str(PO))
    texts = {e.msgid: e.msgstr or " ".join(e.msgstr_plural.values()) for e in po}

    off_terms = [
        (msgid, term)
        for msgid, text in texts.items()
        for term in ("重点分野", "中核領域", "イニシアティブ")
        if term in text
    ]

    assert off_terms == []
    assert (texts["strategic thrust"], texts["core area"], texts["Initiative"]) == (
        "戦略課題",
        "中核分野",
        "施策",
    )


# --- Pages ---------------------------------------------------------------------------------------


def test_a_japanese_readers_dashboard_is_in_japanese(client, ja_user):
    response = _page(client, ja_user, "/")

    html = response.content.decode()
    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in html
    assert "<title>ダッシュボード · AFISS トラッカー</title>" in html
    assert '<a href="/" aria-current="page">ダッシュボード</a>' in html
    assert "<h1>ダッシュボード</h1>" in html
    assert '<h2 id="pilots-h">リスクのあるパイロット</h2>' in html
    assert ">組織一覧</a>" in html
    assert "<h1>Dashboard</h1>" not in html


def test_an_english_readers_dashboard_has_no_japanese_labels(client, users):
    response = _page(client, users["bd_a"], "/")

    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "<h1>Dashboard</h1>" in html
    assert "ダッシュボード" not in html
    assert "組織一覧" not in html


def test_todays_follow_ups_are_headed_today_in_japanese(client, ja_user, team_a):
    factories.followup(team_a, actor=ja_user, owner=ja_user, due_on=TODAY, note="Send the deck")

    html = _page(client, ja_user, "/").content.decode()

    assert '<h3 class="grp">本日</h3>' in html


def test_the_stage_names_on_a_partnership_page_are_japanese(client, ja_user, team_a, usm):
    deal = factories.partnership(
        team_a, actor=ja_user, counterparts=[usm], title="Dicing training line"
    )

    response = _page(client, ja_user, f"/partnerships/{deal.pk}/")

    html = response.content.decode()
    assert [s["label"] for s in response.context["stepper"]] == STAGES_JA
    assert [m["label"] for m in response.context["moves"]] == [*STAGES_JA[1:], "保留", "失注"]
    assert '<span class="stage stage-identified">特定</span>' in html
    assert '<span class="lbl">MoU交渉中</span>' in html
    assert "<legend>移動先</legend>" in html


@pytest.mark.parametrize(
    "path", ["/", "/partnerships/", "/organizations/", "/follow-ups/", "/engagements/new/"]
)
def test_every_page_answers_in_japanese_to_a_japanese_reader(client, ja_user, path):
    response = _page(client, ja_user, path)

    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in response.content.decode()


def test_the_email_kind_is_called_denshi_meru(client, ja_user):
    response = _page(client, ja_user, "/engagements/new/")

    assert '<option value="email">電子メール</option>' in response.content.decode()


# --- Notifications -----------------------------------------------------------------------------


def test_an_overdue_reminder_to_a_japanese_reader_is_in_japanese(ja_user, team_a):
    factories.followup(
        team_a, actor=ja_user, owner=ja_user, due_on=TODAY - dt.timedelta(days=2), note="Call USM"
    )

    overdue_followups(now=NOW)

    sent = Notification.objects.get(user=ja_user)
    assert (sent.subject, sent.body) == (
        "期限超過のフォローアップ: Call USM",
        "期限は 2026-11-24 で、2 日超過しています。",
    )
