import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import MoU, TimelineEvent
from engagement.services.mous import (
    mou_attach_document,
    mou_create,
    mou_expire_due,
    mou_renew,
    mou_sign,
    mou_terminate,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)
frozen = time_machine.travel(NOW, tick=False)

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def _docx(*, with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        if with_document:
            archive.writestr(
                "word/document.xml",
                '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>MoU</w:t></w:r></w:p>'
                "</w:body></w:document>",
            )
    return buffer.getvalue()


@pytest.fixture
def usm(db):
    return factories.institution("Universiti Sains Malaysia", country="MY")


@pytest.fixture
def deal(users, usm):
    return factories.partnership(
        users["bd_a"].team, counterparts=[usm], actor=users["bd_a"], title="Dicing lab at USM"
    )


def _snapshot():
    return {
        "mous": MoU.objects.count(),
        "mou_history": MoU.history.count(),
        "parties": MoU.parties.through.objects.count(),
        "thrusts": MoU.thrusts.through.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def _state(mou: MoU) -> dict:
    mou = MoU.objects.get(pk=mou.pk)
    return {
        "status": mou.status,
        "version": mou.version,
        "signed_on": mou.signed_on,
        "effective_on": mou.effective_on,
        "expires_on": mou.expires_on,
        "document": mou.document.name,
        "document_name": mou.document_name,
    }


def _mou_events(mou: MoU) -> list[dict]:
    return list(
        TimelineEvent.objects.filter(object_type="mou", object_id=mou.pk)
        .order_by("id")
        .values_list("data", flat=True)
    )


# --- Creating -----------------------------------------------------------------------------


@frozen
def test_a_new_mou_is_a_draft_between_the_partnerships_organizations(users, deal, usm, disco):
    mou = mou_create(
        actor=users["bd_a"],
        partnership=deal,
        title="MoU on dicing research",
        effective_on="2027-01-01",
        expires_on="2029-12-31",
        thrusts=["T2", "T6"],
    )

    assert _state(mou) == {
        "status": "draft",
        "version": 1,
        "signed_on": None,
        "effective_on": dt.date(2027, 1, 1),
        "expires_on": dt.date(2029, 12, 31),
        "document": "",
        "document_name": "",
    }
    assert sorted(mou.parties.values_list("pk", flat=True)) == sorted([disco.pk, usm.pk])
    assert sorted(mou.thrusts.values_list("code", flat=True)) == ["T2", "T6"]
    assert _mou_events(mou) == [{"action": "created", "title": "MoU on dicing research"}]
    event = TimelineEvent.objects.get(object_type="mou")
    assert (event.kind, event.partnership, event.team, event.actor, event.at) == (
        "mou_event",
        deal,
        deal.team,
        users["bd_a"],
        NOW,
    )


@pytest.mark.parametrize(
    ("effective_on", "expires_on"), [("2027-01-01", "2026-12-31"), ("2027-01-01", "2027-01-01")]
)
def test_an_expiry_not_after_the_effective_date_is_refused(users, deal, effective_on, expires_on):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_create(
            actor=users["bd_a"],
            partnership=deal,
            title="MoU",
            effective_on=effective_on,
            expires_on=expires_on,
        )

    assert refused.value.errors == {
        "expires_on": [f"Expiry ({expires_on}) must be after the effective date ({effective_on})."]
    }
    assert _snapshot() == before


@pytest.mark.parametrize("expires_on", [dt.date(2026, 12, 31), dt.date(2027, 1, 1)])
def test_the_database_refuses_an_expiry_not_after_the_effective_date(deal, expires_on):
    before = _snapshot()

    with pytest.raises(IntegrityError), transaction.atomic():
        MoU.objects.create(
            partnership=deal,
            title="Written around the service",
            effective_on=dt.date(2027, 1, 1),
            expires_on=expires_on,
        )

    assert _snapshot() == before


def test_the_database_refuses_a_signed_mou_without_a_signing_date(deal):
    before = _snapshot()

    with pytest.raises(IntegrityError), transaction.atomic():
        MoU.objects.create(partnership=deal, title="Signed when?", status="active")

    assert _snapshot() == before


def test_a_new_mou_cannot_start_signed(users, deal):
    before = _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_create(actor=users["bd_a"], partnership=deal, title="MoU", status="active")

    assert refused.value.errors == {
        "status": ["A new MoU is a draft or under negotiation; sign it with the sign action."]
    }
    assert _snapshot() == before


def test_a_member_of_team_b_cannot_draft_an_mou_on_team_as_partnership(users, deal):
    before = _snapshot()

    with pytest.raises(NotPermitted):
        mou_create(actor=users["bd_b"], partnership=deal, title="MoU")

    assert _snapshot() == before


# --- Signing ------------------------------------------------------------------------------


@frozen
def test_signing_with_an_effective_date_that_has_come_makes_it_active(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU", expires_on="2029-11-25")

    mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-20")

    assert _state(mou) == {
        "status": "active",
        "version": 2,
        "signed_on": dt.date(2026, 11, 20),
        "effective_on": dt.date(2026, 11, 20),
        "expires_on": dt.date(2029, 11, 25),
        "document": "",
        "document_name": "",
    }
    assert _mou_events(mou)[-1] == {
        "action": "signed",
        "title": "MoU",
        "signed_on": "2026-11-20",
        "expires_on": "2029-11-25",
    }


@frozen
def test_signing_with_an_effective_date_still_to_come_makes_it_signed(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")

    mou_sign(
        actor=users["bd_a"],
        mou=mou,
        signed_on=TODAY,
        effective_on="2027-01-01",
        expires_on="2030-01-01",
    )

    state = _state(mou)
    assert (state["status"], state["signed_on"], state["effective_on"], state["expires_on"]) == (
        "signed",
        TODAY,
        dt.date(2027, 1, 1),
        dt.date(2030, 1, 1),
    )


@frozen
def test_signing_twice_is_a_conflict_and_changes_nothing(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-20")
    state, before = _state(mou), _snapshot()

    with pytest.raises(Conflict) as refused:
        mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-25")

    assert refused.value.detail == (
        "This MoU is Active; that action needs one that is Draft or Negotiating."
    )
    assert refused.value.errors == {"status": ["Is Active."]}
    assert _state(mou) == state
    assert _snapshot() == before


@frozen
def test_a_signing_date_in_the_future_is_refused(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-27")

    assert refused.value.errors == {"signed_on": ["The signing date 2026-11-27 is in the future."]}
    assert _state(mou) == state
    assert _snapshot() == before


@frozen
def test_signing_an_mou_that_would_already_be_expired_is_refused(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_sign(
            actor=users["bd_a"],
            mou=mou,
            signed_on="2025-01-01",
            expires_on="2026-11-26",
        )

    assert refused.value.errors == {
        "expires_on": ["This MoU would already be expired (2026-11-26)."]
    }
    assert _state(mou) == state
    assert _snapshot() == before


# --- Renewing, terminating, expiring --------------------------------------------------------


@frozen
def test_renewing_creates_a_draft_successor_and_marks_the_mou_renewed(users, deal, usm, disco):
    mou = factories.mou(
        deal, actor=users["bd_a"], title="MoU 2026", thrusts=["T2", "T6"], renewal_notice_days=60
    )
    mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-01", expires_on="2027-10-31")

    successor = mou_renew(
        actor=users["bd_a"], mou=mou, effective_on="2027-11-01", expires_on="2030-10-31"
    )

    successor = MoU.objects.get(pk=successor.pk)
    assert successor.predecessor == mou
    assert (successor.title, successor.status, successor.renewal_notice_days) == (
        "MoU 2026",
        "draft",
        60,
    )
    assert (successor.effective_on, successor.expires_on, successor.signed_on) == (
        dt.date(2027, 11, 1),
        dt.date(2030, 10, 31),
        None,
    )
    assert sorted(successor.parties.values_list("pk", flat=True)) == sorted([disco.pk, usm.pk])
    assert sorted(successor.thrusts.values_list("code", flat=True)) == ["T2", "T6"]
    assert (_state(mou)["status"], _state(mou)["version"]) == ("renewed", 3)
    assert _mou_events(mou)[-1] == {
        "action": "renewed",
        "title": "MoU 2026",
        "successor": successor.pk,
    }


@frozen
def test_renewing_twice_is_a_conflict_and_changes_nothing(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-01", expires_on="2027-10-31")
    mou_renew(actor=users["bd_a"], mou=mou, effective_on="2027-11-01", expires_on="2030-10-31")
    state, before = _state(mou), _snapshot()

    with pytest.raises(Conflict) as refused:
        mou_renew(actor=users["bd_a"], mou=mou, effective_on="2027-11-01", expires_on="2031-10-31")

    assert refused.value.detail == "This MoU has already been renewed."
    assert refused.value.errors == {"status": ["Already renewed."]}
    assert _state(mou) == state
    assert _snapshot() == before


def test_a_draft_cannot_be_renewed(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()

    with pytest.raises(Conflict) as refused:
        mou_renew(actor=users["bd_a"], mou=mou, effective_on="2027-11-01", expires_on="2030-10-31")

    assert refused.value.errors == {"status": ["Is Draft."]}
    assert _state(mou) == state
    assert _snapshot() == before


@frozen
def test_terminating_needs_a_reason(users, deal):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    mou_sign(actor=users["bd_a"], mou=mou, signed_on="2026-11-01")
    state, before = _state(mou), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_terminate(actor=users["bd_a"], mou=mou, reason="  ")

    assert refused.value.errors == {"reason": ["Say why the MoU is terminated."]}
    assert _state(mou) == state
    assert _snapshot() == before

    mou_terminate(actor=users["bd_a"], mou=mou, reason=" The institute was merged. ")

    assert (_state(mou)["status"], _state(mou)["version"]) == ("terminated", 3)
    assert _mou_events(mou)[-1] == {
        "action": "terminated",
        "title": "MoU",
        "reason": "The institute was merged.",
    }


def test_expiring_due_mous_twice_expires_each_once(users, deal, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC), tick=False)
    first = factories.mou(deal, actor=users["bd_a"], title="Expires in January")
    mou_sign(actor=users["bd_a"], mou=first, signed_on="2026-01-15", expires_on="2027-01-31")
    second = factories.mou(deal, actor=users["bd_a"], title="Expires in February")
    mou_sign(
        actor=users["bd_a"],
        mou=second,
        signed_on="2026-01-15",
        effective_on="2026-02-01",
        expires_on="2027-02-28",
    )
    later = factories.mou(deal, actor=users["bd_a"], title="Expires next year")
    mou_sign(actor=users["bd_a"], mou=later, signed_on="2026-01-15", expires_on="2028-01-31")
    draft = factories.mou(deal, actor=users["bd_a"], title="Never signed", expires_on="2027-01-01")
    versions = {m.pk: _state(m)["version"] for m in (first, second, later, draft)}
    time_machine.move_to(dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC), tick=False)

    expired = mou_expire_due(today=dt.date(2027, 3, 1))
    again = mou_expire_due(today=dt.date(2027, 3, 1))

    assert sorted(expired) == sorted([first.pk, second.pk])
    assert again == []
    for mou, status_before in ((first, "active"), (second, "signed")):
        assert _state(mou)["status"] == "expired"
        assert _state(mou)["version"] == versions[mou.pk] + 1
        assert [h.status for h in MoU.history.filter(id=mou.pk)[:2]] == ["expired", status_before]
        expiries = [e for e in _mou_events(mou) if e["action"] == "expired"]
        assert expiries == [
            {"action": "expired", "title": mou.title, "expires_on": mou.expires_on.isoformat()}
        ]
    assert (_state(later)["status"], _state(later)["version"]) == ("active", versions[later.pk])
    assert (_state(draft)["status"], _state(draft)["version"]) == ("draft", versions[draft.pk])
    assert TimelineEvent.objects.filter(kind="mou_event", data__action="expired").count() == 2
    event = TimelineEvent.objects.filter(object_id=first.pk, data__action="expired").get()
    assert (event.actor, event.at, event.partnership) == (
        None,
        dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC),
        deal,
    )


# --- Documents ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("notes.txt", b"%PDF-1.4 but a text file", "notes.txt is not a PDF or DOCX file."),
        ("scan.PDF.exe", MINIMAL_PDF, "scan.PDF.exe is not a PDF or DOCX file."),
        ("mou.pdf", b"<html>not a pdf</html>", "mou.pdf does not look like a PDF file."),
        ("mou.docx", b"PK\x03\x04 not really a zip", "mou.docx does not look like a DOCX file."),
        ("mou.docx", _docx(with_document=False), "mou.docx does not look like a DOCX file."),
    ],
)
def test_a_document_that_is_not_a_pdf_or_docx_is_refused(users, deal, media, name, content, error):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()

    with pytest.raises(ValidationFailed) as refused:
        mou_attach_document(actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile(name, content))

    assert refused.value.errors == {"document": [error]}
    assert _state(mou) == state
    assert _snapshot() == before
    assert _files(media) == []


def test_a_document_over_the_size_limit_is_refused(users, deal, media, settings):
    settings.MOU_DOCUMENT_MAX_BYTES = 1024
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()
    content = MINIMAL_PDF + b"%" * (1025 - len(MINIMAL_PDF))

    with pytest.raises(ValidationFailed) as refused:
        mou_attach_document(
            actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile("big.pdf", content)
        )

    assert refused.value.errors == {
        "document": ["big.pdf is 1,025 bytes; the limit is 1,024 bytes."]
    }
    assert _state(mou) == state
    assert _snapshot() == before
    assert _files(media) == []


@frozen
def test_a_pdf_is_stored_under_the_media_root(users, deal, media, settings):
    settings.MOU_DOCUMENT_MAX_BYTES = len(MINIMAL_PDF)
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")

    mou_attach_document(
        actor=users["bd_a"],
        mou=mou,
        upload=SimpleUploadedFile("../../Signed MoU.pdf", MINIMAL_PDF, "application/pdf"),
    )

    state = _state(mou)
    assert (state["document"], state["document_name"], state["version"]) == (
        "mous/2026/11/Signed_MoU.pdf",
        "Signed MoU.pdf",
        2,
    )
    assert _files(media) == ["mous/2026/11/Signed_MoU.pdf"]
    assert (media / "mous/2026/11/Signed_MoU.pdf").read_bytes() == MINIMAL_PDF
    assert _mou_events(mou)[-1] == {
        "action": "document",
        "title": "MoU",
        "document": "Signed MoU.pdf",
    }


@frozen
def test_a_docx_is_accepted(users, deal, media):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    content = _docx()

    mou_attach_document(
        actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile("draft.docx", content)
    )

    assert (_state(mou)["document"], _state(mou)["document_name"]) == (
        "mous/2026/11/draft.docx",
        "draft.docx",
    )
    assert (media / "mous/2026/11/draft.docx").read_bytes() == content


@frozen
def test_a_new_document_replaces_the_old_file_once_committed(
    users, deal, media, django_capture_on_commit_callbacks
):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    mou_attach_document(
        actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile("v1.pdf", MINIMAL_PDF)
    )

    with django_capture_on_commit_callbacks(execute=True):
        mou_attach_document(
            actor=users["bd_a"], mou=mou, upload=SimpleUploadedFile("v2.docx", _docx())
        )

    assert _files(media) == ["mous/2026/11/v2.docx"]
    assert _state(mou)["document_name"] == "v2.docx"


def test_a_member_of_team_b_cannot_attach_a_document(users, deal, media):
    mou = factories.mou(deal, actor=users["bd_a"], title="MoU")
    state, before = _state(mou), _snapshot()

    with pytest.raises(NotPermitted):
        mou_attach_document(
            actor=users["bd_b"], mou=mou, upload=SimpleUploadedFile("x.pdf", MINIMAL_PDF)
        )

    assert _state(mou) == state
    assert _snapshot() == before
    assert _files(media) == []
