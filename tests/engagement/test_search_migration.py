"""Migration 0010 fills the new search columns for organizations and contacts that existed
before it, with the key the services write."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("engagement", "0009_projects_incentives_framework_provenance")]
AFTER = [("engagement", "0010_search_text")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_the_migration_keys_the_organizations_and_contacts_already_there():
    old = _migrate(BEFORE)
    try:
        org_type = old.get_model("engagement", "OrgType").objects.get(code="industrial_park")
        org = old.get_model("engagement", "Organization").objects.create(
            kind="asean_institution",
            org_type=org_type,
            name="Đà Nẵng Hi-Tech Park",
            name_ja="ﾀﾞﾅﾝ・ハイテクパーク",
            country="VN",
        )
        person = old.get_model("engagement", "Contact").objects.create(
            organization=org, name="Nguyễn Thị Hằng", name_reading="ぐえん", email="HANG@EX.VN"
        )

        new = _migrate(AFTER)

        assert new.get_model("engagement", "Organization").objects.get(pk=org.pk).search_text == (
            "da nang hi tech park ダナン ハイテクパーク"
        )
        assert new.get_model("engagement", "Contact").objects.get(pk=person.pk).search_text == (
            "nguyen thi hang グエン hang ex vn"
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
