"""What each kind of import is: its columns (English and Japanese headers), the labels its choice
columns accept, what makes two of its rows the same, and the service that writes a row. The rest
of engagement.services.imports reads the files and runs the import for every kind alike; a new
kind is its value and label in ImportJob.Kind and a few lines here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from engagement.models import (
    Contact,
    Engagement,
    ImplementationStatus,
    ImportJob,
    Organization,
    OrganizationKind,
    PolicyUpdate,
    Team,
)
from engagement.normalize import normalize_email, normalize_name
from engagement.services.directory import contact_create, organization_create
from engagement.services.engagements import engagement_log
from engagement.services.watch import implementation_status_record, policy_update_create

if TYPE_CHECKING:
    from engagement.policy import Actor

# ImportJob.Kind lists the kinds (with their labels), spelled as the API's collections
# (/api/v1/{kind}/import/).
KINDS: tuple[str, ...] = tuple(ImportJob.Kind.values)
KIND_MODELS = {
    "organizations": Organization,
    "contacts": Contact,
    "engagements": Engagement,
    "implementation-statuses": ImplementationStatus,
    "policy-updates": PolicyUpdate,
}

# What messages call each kind's records, in the reader's language (in English, the kind with
# spaces): not every model translates its verbose_name_plural.
_KIND_NOUNS = {
    "organizations": gettext_lazy("organizations"),
    "contacts": gettext_lazy("contacts"),
    "engagements": gettext_lazy("engagements"),
    "implementation-statuses": gettext_lazy("implementation statuses"),
    "policy-updates": gettext_lazy("policy updates"),
}


def kind_noun(kind: str) -> str:
    """The records of `kind` (one of KINDS) for a message, in the active language."""
    return str(_KIND_NOUNS[kind])


# --- Columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    aliases: tuple[str, ...]
    # text | list (codes) | country | countries | ref / refs (organization ids or names) | bool
    # | choice | datetime | date | id
    type: str = "text"
    required: bool = False


COLUMNS: dict[str, tuple[Column, ...]] = {
    "organizations": (
        Column("name", ("name", "name (english)", "名称", "組織名", "名称（英語）"), required=True),
        Column("name_ja", ("name_ja", "name (japanese)", "名称（日本語）", "日本語名")),
        Column("kind", ("kind", "種別"), "choice"),
        Column("org_type", ("org_type", "organization type", "組織タイプ"), required=True),
        Column("country", ("country", "国"), "country"),
        Column("website", ("website", "url", "ウェブサイト")),
        Column("description", ("description", "description (english)", "説明", "説明（英語）")),
        Column("description_ja", ("description_ja", "description (japanese)", "説明（日本語）")),
        Column("capabilities", ("capabilities", "提供能力"), "list"),
        Column("needs", ("needs", "ニーズ"), "list"),
        Column("thrusts", ("thrusts", "戦略的重点"), "list"),
        Column("priority_countries", ("priority_countries", "重点国"), "countries"),
        Column("presence_countries", ("presence_countries", "拠点国"), "countries"),
        Column("accepting_partners", ("accepting_partners", "パートナー受入"), "bool"),
        Column("source", ("source", "出典")),
    ),
    "contacts": (
        Column("organization", ("organization", "組織", "組織名"), "ref", required=True),
        Column("name", ("name", "氏名", "名前"), required=True),
        Column("name_reading", ("name_reading", "reading", "よみがな", "ふりがな", "フリガナ")),
        Column("title", ("title", "役職")),
        Column("email", ("email", "e-mail", "メール", "メールアドレス")),
        Column("phone", ("phone", "電話", "電話番号")),
        Column("notes", ("notes", "メモ", "備考")),
        Column("opted_out", ("opted_out", "配信停止"), "bool"),
    ),
    "engagements": (
        Column("occurred_at", ("occurred_at", "when", "日時"), "datetime", required=True),
        Column("kind", ("kind", "種類"), "choice", required=True),
        Column("organizations", ("organizations", "組織"), "refs", required=True),
        Column("summary", ("summary", "概要"), required=True),
        Column("outcome", ("outcome", "結果")),
        Column("next_step", ("next_step", "next step", "次のステップ")),
        Column("next_step_due", ("next_step_due", "期限"), "date"),
        Column("thrusts", ("thrusts", "戦略的重点"), "list"),
        Column("initiatives", ("initiatives", "イニシアティブ"), "list"),
        Column("partnership", ("partnership", "パートナーシップ"), "id"),
    ),
    "implementation-statuses": (
        Column(
            "initiative",
            ("initiative", "initiative code", "施策コード", "イニシアティブ", "施策"),
            required=True,
        ),
        Column(
            "member_state",
            ("member_state", "member state", "加盟国", "国"),
            "country",
            required=True,
        ),
        Column("status", ("status", "状況", "ステータス", "実施状況"), "choice", required=True),
        Column(
            "effective_on",
            ("effective_on", "effective on", "発効日", "有効日"),
            "date",
            required=True,
        ),
        Column("note", ("note", "notes", "備考", "メモ")),
        Column("source_url", ("source_url", "source url", "出典URL")),
        Column("source_title", ("source_title", "source title", "出典名", "資料名", "出典")),
        Column("source_publisher", ("source_publisher", "publisher", "発行者", "発行元")),
        Column("source_date", ("source_date", "source date", "出典日付", "資料日付"), "date"),
    ),
    # A bare Japanese header (タイトル, 概要) is taken for the Japanese text.
    "policy-updates": (
        Column(
            "published_on",
            ("published_on", "published on", "公表日", "発表日"),
            "date",
            required=True,
        ),
        Column("kind", ("kind", "種類", "種別"), "choice", required=True),
        Column("title", ("title", "title (english)", "タイトル（英語）", "英語タイトル")),
        Column("title_ja", ("title_ja", "title (japanese)", "タイトル", "タイトル（日本語）")),
        Column("summary", ("summary", "summary (english)", "概要（英語）")),
        Column("summary_ja", ("summary_ja", "summary (japanese)", "概要", "概要（日本語）")),
        Column(
            "member_states", ("member_states", "member states", "加盟国", "対象国"), "countries"
        ),
        Column("thrusts", ("thrusts", "戦略的重点"), "list"),
        Column("initiatives", ("initiatives", "イニシアティブ", "施策コード"), "list"),
        Column("source_url", ("source_url", "source url", "出典URL")),
        Column("source_title", ("source_title", "source title", "出典名", "資料名", "出典")),
        Column("source_publisher", ("source_publisher", "publisher", "発行者", "発行元")),
    ),
}

# Choice columns take the code, the English label or the Japanese one.
_EXTRA_CHOICES = {
    ("organizations", "kind"): {"日本企業": "japanese_company", "ASEAN機関": "asean_institution"},
    ("engagements", "kind"): {
        "会議": "meeting",
        "打合せ": "meeting",
        "ミーティング": "meeting",
        "電話": "call",
        "訪問": "site_visit",
        "現地訪問": "site_visit",
        "イベント": "event",
        "メール": "email",
        "ワークショップ": "workshop",
        "その他": "other",
    },
    ("implementation-statuses", "status"): {
        "未開始": "not_started",
        "計画": "planned",
        "予定": "planned",
        "実施中": "in_progress",
        "開始": "launched",
        "稼働中": "launched",
        "中断": "paused",
        "一時停止": "paused",
    },
    ("policy-updates", "kind"): {
        "お知らせ": "news",
        "法規制": "regulation",
        "インセンティブ": "incentive",
        "優遇措置": "incentive",
        "募集": "call_for_partners",
    },
}
CHOICES = {
    ("organizations", "kind"): OrganizationKind,
    ("engagements", "kind"): Engagement.Kind,
    ("implementation-statuses", "status"): ImplementationStatus.Status,
    ("policy-updates", "kind"): PolicyUpdate.Kind,
}


def header_key(text: str) -> str:
    """How a header is compared: width and case folded, spaces, _ and - ignored."""
    folded = unicodedata.normalize("NFKC", str(text or "")).casefold().strip().rstrip("*")
    return re.sub(r"[\s_\-]+", "", folded)


ALIASES = {
    kind: {header_key(a): col for col in cols for a in (col.field, *col.aliases)}
    for kind, cols in COLUMNS.items()
}


ColumnHelp = tuple[str, tuple[str, ...], bool, tuple[tuple[str, Any], ...]]


def column_help(kind: str) -> list[ColumnHelp]:
    """(field, accepted headers, required, (code, label) of each value a choice column takes)
    for the import page and the API documentation. The labels are lazy: they read in the
    language active where they are shown."""
    return [
        (
            c.field,
            c.aliases,
            c.required,
            tuple(CHOICES[(kind, c.field)].choices) if c.type == "choice" else (),
        )
        for c in COLUMNS[kind]
    ]


def choice_map(kind: str, field_name: str) -> dict[str, str]:
    """The header_key of each code, English label, Japanese label and extra alias → the code."""
    choices = CHOICES[(kind, field_name)]
    out: dict[str, str] = {}
    for code, label in choices.choices:
        out[header_key(code)] = code
        out[header_key(str(label))] = code
        with translation.override("ja"):
            out[header_key(str(label))] = code
    for alias, code in _EXTRA_CHOICES.get((kind, field_name), {}).items():
        out[header_key(alias)] = code
    return out


# --- Rows that are the same ---------------------------------------------------------------------


DuplicateKeys = list[tuple[str, str]]  # (the column to report, the key) for one row


def _organization_keys(data: dict[str, Any]) -> DuplicateKeys:
    country = str(data.get("country") or "").strip().upper()
    names = [("name", data.get("name")), ("name_ja", data.get("name_ja"))]
    keys = [(col, f"{country}\x00{normalize_name(n)}") for col, n in names if n]
    return [(col, k) for col, k in keys if not k.endswith("\x00")]


def _contact_keys(data: dict[str, Any]) -> DuplicateKeys:
    email = normalize_email(str(data.get("email") or ""))
    return [("email", email)] if email else []


def _status_keys(data: dict[str, Any]) -> DuplicateKeys:
    """The observation: initiative, member state, status and effective date (the service's
    duplicate rule). A row missing one of them is refused by the service instead."""
    parts = [data.get(f) for f in ("initiative", "member_state", "status", "effective_on")]
    if not all(parts):
        return []
    return [("status", "\x00".join(str(p) for p in parts))]


def _policy_update_keys(data: dict[str, Any]) -> DuplicateKeys:
    """The same title, English or Japanese, on the same day (the service's duplicate rule)."""
    day = data.get("published_on")
    if not day:
        return []
    titles = [("title", data.get("title")), ("title_ja", data.get("title_ja"))]
    return [(col, f"{col}\x00{day}\x00{title}") for col, title in titles if title]


# kind → (a row's keys, the message for a later row with one of them). The messages are marked
# for translation here and translated where a row is refused (imports.rows), with %(row)s the
# earlier row.
IN_FILE_KEYS: dict[str, tuple[Callable[[dict[str, Any]], DuplicateKeys], str]] = {
    "organizations": (
        _organization_keys,
        gettext_noop("Same organization as row %(row)s of this file."),
    ),
    "contacts": (_contact_keys, gettext_noop("Same email as row %(row)s of this file.")),
    "implementation-statuses": (
        _status_keys,
        gettext_noop("Same initiative, member state, status and date as row %(row)s of this file."),
    ),
    "policy-updates": (
        _policy_update_keys,
        gettext_noop("Same title and date as row %(row)s of this file."),
    ),
}


# --- Writing a row ------------------------------------------------------------------------------


# The service that writes a row of each kind (engagements also take the team: see create_record).
_SERVICES: dict[str, Callable[..., Any]] = {
    "organizations": organization_create,
    "contacts": contact_create,
    "implementation-statuses": implementation_status_record,
    "policy-updates": policy_update_create,
}


def create_record(kind: str, data: dict[str, Any], actor: Actor, team: Team | None) -> Any:
    """Write one row's record through its kind's service."""
    if kind == "engagements":
        return engagement_log(actor=actor, team=team, **data)
    return _SERVICES[kind](actor=actor, **data)
