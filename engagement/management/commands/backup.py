import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the embedded SQLite database while the app runs "
        "(SQLite's online backup). For PostgreSQL use pg_dump (see README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--force", action="store_true", help="Overwrite an existing file.")

    def handle(self, *args, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                f"The database is {connection.vendor}: back it up with pg_dump, e.g. "
                "pg_dump --format=custom --file=backup.dump \"$DATABASE_URL\" (README, 'Backups')."
            )
        target: Path = options["path"].resolve()
        if target.exists() and not options["force"]:
            raise CommandError(f"{target} exists; pass --force to overwrite it.")
        if not target.parent.is_dir():
            raise CommandError(f"Folder {target.parent} does not exist.")
        connection.ensure_connection()
        source = connection.connection
        tmp = target.with_suffix(target.suffix + ".partial")
        tmp.unlink(missing_ok=True)
        dest = sqlite3.connect(tmp)
        try:
            # The backup API copies pages under SQLite's own locking, so writers carry on and
            # the copy is one consistent snapshot; a file copy could catch a half-written page.
            source.backup(dest, pages=1024)
        finally:
            dest.close()
        tmp.replace(target)
        self.stdout.write(f"Backed up {connection.settings_dict['NAME']} to {target}.")
