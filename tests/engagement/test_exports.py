"""`?format=csv` / `?format=xlsx` on list endpoints: the same records as the JSON list with the
same filters and access, streamed, in a fixed number of queries."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests import factories

pytestmark = pytest.mark.django_db
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def usm(db):
    return factories.institution(
        "Universiti Sains Malaysia", country="MY", capabilities=["EQP.DICING", "EQP.TEST"]
    )


@pytest.fixture
def client_a(api, users):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['bd_a'])}")
    return api


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"), newline="")))


def _json_ids(client, path: str) -> list[int]:
    joiner = "&" if "?" in path else "?"
    return [r["id"] for r in client.get(f"{path}{joiner}page_size=500").json()["results"]]


def test_organizations_csv_has_the_bom_the_header_and_exactly_the_filtered_rows(client_a, usm):
    factories.institution("Chulalongkorn Test", country="TH")
    factories.institution("Institut Teknologi Test", country="ID", name_ja="テスト工科大学")

    response = client_a.get("/api/v1/organizations/?format=csv&country=MY")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="organizations-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = _csv(response)
    header = rows[0]
    assert header[:4] == ["id", "kind", "org_type", "name"]
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [int(r["id"]) for r in records] == _json_ids(
        client_a, "/api/v1/organizations/?country=MY"
    )
    assert [r["name"] for r in records] == ["Universiti Sains Malaysia"]
    assert records[0]["capabilities"] == "EQP.DICING;EQP.TEST"
    assert records[0]["country"] == "MY"


def test_japanese_text_survives_the_csv(client_a, disco):
    rows = _csv(client_a.get("/api/v1/organizations/?format=csv&search=ディスコ"))

    header = rows[0]
    assert [dict(zip(header, r, strict=True))["name_ja"] for r in rows[1:]] == ["ディスコ"]


@pytest.fixture
def engagements(users, team_a, team_b, usm):
    ours = [
        factories.engagement(
            team_a,
            actor=users["bd_a"],
            organizations=[usm],
            kind="meeting" if i % 2 else "call",
            summary=f"Ours {i}",
            thrusts=["T6"],
        )
        for i in range(4)
    ]
    theirs = factories.engagement(
        team_b, actor=users["bd_b"], organizations=[usm], summary="Theirs"
    )
    return ours, theirs


def test_engagements_csv_excludes_another_teams_and_follows_the_filters(client_a, engagements):
    ours, theirs = engagements

    every = _csv(client_a.get("/api/v1/engagements/?format=csv"))
    meetings = _csv(client_a.get("/api/v1/engagements/?format=csv&kind=meeting"))

    ids = [int(r[0]) for r in every[1:]]
    assert sorted(ids) == sorted(e.pk for e in ours)
    assert theirs.pk not in ids
    assert "Theirs" not in str(every)
    header = every[0]
    assert header[0] == "id"
    assert {dict(zip(header, r, strict=True))["thrusts"] for r in every[1:]} == {"T6"}
    assert [int(r[0]) for r in meetings[1:]] == _json_ids(
        client_a, "/api/v1/engagements/?kind=meeting"
    )
    assert len(meetings) - 1 == 2


def test_a_program_manager_exports_every_teams_engagements(api, users, engagements):
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.token(users['pm'])}")

    rows = _csv(api.get("/api/v1/engagements/?format=csv"))

    assert len(rows) - 1 == 5


def test_xlsx_export_opens_and_has_the_same_rows_as_the_csv(client_a, engagements):
    csv_rows = _csv(client_a.get("/api/v1/engagements/?format=csv"))

    response = client_a.get("/api/v1/engagements/?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="engagements-')
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).worksheets[0]
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.values]
    assert xlsx_rows == csv_rows


def test_partnerships_and_follow_ups_export_too(client_a, users, team_a, team_b, usm):
    deal = factories.partnership(team_a, actor=users["bd_a"], counterparts=[usm])
    factories.partnership(team_b, actor=users["bd_b"], counterparts=[usm])
    factories.followup(
        team_a, actor=users["bd_a"], owner=users["bd_a"], due_on=dt.date(2026, 12, 1)
    )

    partnerships = _csv(client_a.get("/api/v1/partnerships/?format=csv"))
    followups = _csv(client_a.get("/api/v1/follow-ups/?format=csv"))

    assert [int(r[0]) for r in partnerships[1:]] == [deal.pk]
    assert "allowed_moves" not in partnerships[0]
    assert len(followups) == 2


def test_a_value_that_looks_like_a_formula_stays_text(client_a, users):
    factories.institution('=HYPERLINK("http://evil")', country="MY")

    query = "/api/v1/organizations/?kind=asean_institution&format="
    rows = _csv(client_a.get(query + "csv"))
    sheet = load_workbook(io.BytesIO(_body(client_a.get(query + "xlsx")))).worksheets[0]

    names = [dict(zip(rows[0], r, strict=True))["name"] for r in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil")']
    cell = sheet.cell(row=2, column=rows[0].index("name") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', "s")


def test_the_csv_export_takes_the_same_number_of_queries_for_5_and_50_rows(client_a, users, team_a):
    orgs = [factories.institution(country="MY") for _ in range(3)]

    def export_queries(n: int) -> int:
        have = len(_csv(client_a.get("/api/v1/engagements/?format=csv"))) - 1
        for i in range(have, n):
            factories.engagement(
                team_a,
                actor=users["bd_a"],
                organizations=orgs[: 1 + i % 3],
                thrusts=["T1", "T2"][: i % 3],
                initiatives=["T6-01"] if i % 2 else [],
            )
        with CaptureQueriesContext(connection) as ctx:
            rows = _csv(client_a.get("/api/v1/engagements/?format=csv"))
        assert len(rows) - 1 == n
        return len(ctx.captured_queries)

    assert export_queries(5) == export_queries(50)


def test_the_json_list_is_unchanged_and_a_format_outside_the_schema_is_a_400(client_a, usm):
    body = client_a.get("/api/v1/organizations/?country=MY").json()
    assert [r["name"] for r in body["results"]] == ["Universiti Sains Malaysia"]
    assert "next" in body

    for value in ("pdf", ""):
        response = client_a.get(f"/api/v1/organizations/?format={value}")
        assert response.status_code == 400
        assert response.json()["type"] == "validation_error"
        assert "format" in response.json()["errors"]
    assert client_a.get("/api/v1/organizations/?format=json").status_code == 200


def test_a_bad_filter_on_an_export_is_a_json_400(client_a):
    response = client_a.get("/api/v1/engagements/?format=csv&occurred_after=yesterday")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_an_export_needs_credentials(api):
    response = api.get("/api/v1/engagements/?format=csv")

    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"


def test_the_schema_documents_the_format_parameter(client_a):
    schema = client_a.get("/api/schema/", {"format": "json"}).json()

    for path in ("/api/v1/organizations/", "/api/v1/engagements/", "/api/v1/follow-ups/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert sorted(params["format"]["schema"]["enum"]) == ["csv", "json", "xlsx"]
    assert "/api/v1/organizations/import/" in schema["paths"]
    assert "/api/v1/import-jobs/{id}/" in schema["paths"]
