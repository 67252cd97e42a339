from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from engagement.errors import ServiceError
from engagement.management.base import describe
from engagement.models import Team, User
from engagement.services import imports


class Command(BaseCommand):
    help = (
        "Import organizations, contacts, engagements, implementation statuses or policy updates "
        "from a CSV (UTF-8 or Shift_JIS) or XLSX file, all or nothing. Every bad row is printed "
        "as 'row N, column C: reason'."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=imports.KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )
        parser.add_argument(
            "--user",
            help="Import as this user (their rights, their team for engagements, their time "
            "zone for times without an offset). Default: a system import.",
        )
        parser.add_argument("--team", help="Team slug owning imported engagements (system import).")
        parser.add_argument(
            "--row-by-row",
            action="store_true",
            help="Call organization_create for every row, even in a large organizations file "
            f"(by default files of {imports.BULK_MIN_ROWS:,} rows or more are written in batches).",
        )

    def handle(self, *args, **options):
        kind, path = options["kind"], options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._user(options["user"])
        team = self._team(options["team"])
        if kind == "engagements" and actor is None and team is None:
            raise CommandError("Engagements belong to a team: give --user or --team.")
        bar = tqdm(
            desc=kind, unit="row", file=self.stderr, disable=options["verbosity"] < 1, total=0
        )
        last = 0

        def progress(done: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        def on_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            with path.open("rb") as binary:
                report = imports.import_file(
                    kind,
                    binary,
                    path.name,
                    actor=actor,
                    dry_run=options["dry_run"],
                    progress=progress,
                    team=team,
                    max_rows=settings.IMPORT_MAX_ROWS,
                    on_total=on_total,
                    bulk=False if options["row_by_row"] else None,
                )
        except ServiceError as exc:
            raise CommandError(describe(exc)) from None
        finally:
            bar.close()
        for error in report.errors:
            where = f"row {error['row']}" if error["row"] is not None else "file"
            column = f", column {error['column']}" if error["column"] else ""
            self.stdout.write(f"{where}{column}: {error['reason']}")
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())

    def _user(self, username):
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _team(self, slug):
        if not slug:
            return None
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"No team {slug!r}.")
        return team
