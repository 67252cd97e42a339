from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from engagement.actors import COMMAND
from engagement.errors import ServiceError
from engagement.management.base import describe
from engagement.models import Team, User
from engagement.services import imports


class Command(BaseCommand):
    help = (
        "Import organizations, contacts, engagements, implementation statuses or policy updates "
        "from a CSV (UTF-8 or Shift_JIS) or XLSX file, all or nothing. Every bad row is printed "
        "as 'row N, column C: reason'. With --user the import speaks that user's language (their "
        "profile's, as the import page's background run does): the bad rows and the summary are "
        "printed in Japanese for a Japanese user. A system import speaks the default language "
        "(LANGUAGE_CODE, English)."
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
            "zone for times without an offset, their language for the messages). Default: a "
            "system import.",
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
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = self._user(options["user"])
        team = self._team(options["team"])
        if kind == "engagements" and actor is None and team is None:
            raise CommandError(_("Engagements belong to a team: give --user or --team."))
        # The same report the import page would give this user, in their language.
        language = getattr(actor, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            self._import(kind, path, actor, team, options)

    def _import(self, kind, path, actor, team, options):
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
                    actor=actor or COMMAND,
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
            self.stdout.write(_line(error))
        for warning in report.warnings:
            self.stdout.write(_line(warning))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())

    def _user(self, username):
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": repr(username)})
        return user

    def _team(self, slug):
        if not slug:
            return None
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(_("No team %(slug)s.") % {"slug": repr(slug)})
        return team


def _line(error: dict) -> str:
    """One bad row as 'row N, column C: reason' (a problem with the whole file has no row)."""
    values = {"row": error["row"], "column": error["column"], "reason": error["reason"]}
    if error["row"] is None:
        if error["column"]:
            return _("file, column %(column)s: %(reason)s") % values
        return _("file: %(reason)s") % values
    if error["column"]:
        return _("row %(row)s, column %(column)s: %(reason)s") % values
    return _("row %(row)s: %(reason)s") % values
