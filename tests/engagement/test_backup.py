import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests import factories

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the backup command copies the embedded SQLite file"
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL is backed up with pg_dump"
)


def _backup(*args: str) -> str:
    out = StringIO()
    call_command("backup", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _live_row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _backup_row_counts(path) -> dict[str, int]:
    copy = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        copy.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_every_table_with_every_row(tmp_path):
    disco = factories.company("DISCO", name_ja="ディスコ")
    factories.institution("Universiti Sains Malaysia", country="MY")
    factories.contact(
        disco, "Taro Yamada", email="taro@disco.example", team=factories.team("a", company=disco)
    )
    target = tmp_path / "backup.sqlite3"

    output = _backup(str(target))

    assert output == f"Backed up {connection.settings_dict['NAME']} to {target.resolve()}.\n"
    live = _live_row_counts()
    assert _backup_row_counts(target) == live
    assert live["engagement_organization"] == 2
    assert live["engagement_contact"] == 1
    copy = sqlite3.connect(target)
    try:
        names = sorted(n for (n,) in copy.execute("SELECT name FROM engagement_organization"))
        contacts = list(copy.execute("SELECT name, email FROM engagement_contact"))
    finally:
        copy.close()
    assert names == ["DISCO", "Universiti Sains Malaysia"]
    assert contacts == [("Taro Yamada", "taro@disco.example")]
    assert not (tmp_path / "backup.sqlite3.partial").exists()


@sqlite_only
@pytest.mark.django_db
def test_a_backup_does_not_overwrite_an_existing_file(tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")

    with pytest.raises(CommandError) as refused:
        _backup(str(target))

    assert str(refused.value) == f"{target.resolve()} exists; pass --force to overwrite it."
    assert target.read_bytes() == b"an older backup"


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_overwrites_an_existing_file_with_force(tmp_path):
    factories.company("DISCO")
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")

    _backup(str(target), "--force")

    assert _backup_row_counts(target)["engagement_organization"] == 1


@sqlite_only
@pytest.mark.django_db
def test_a_backup_into_a_missing_folder_is_refused(tmp_path):
    target = tmp_path / "missing" / "backup.sqlite3"

    with pytest.raises(CommandError) as refused:
        _backup(str(target))

    assert str(refused.value) == f"Folder {target.parent.resolve()} does not exist."
    assert not target.parent.exists()


@postgresql_only
@pytest.mark.django_db
def test_on_postgresql_the_backup_command_points_to_pg_dump(tmp_path):
    target = tmp_path / "backup.sqlite3"

    with pytest.raises(CommandError) as refused:
        _backup(str(target))

    assert str(refused.value) == (
        "The database is postgresql: back it up with pg_dump, e.g. "
        "pg_dump --format=custom --file=backup.dump \"$DATABASE_URL\" (README, 'Backups')."
    )
    assert list(tmp_path.iterdir()) == []
