from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement.services.jobs import JOBS, run_job

TITLES = {
    "overdue_followups": "Overdue follow-ups",
    "mou_expiry": "MoU expiry",
    "stalled_pilots": "Stalled pilots",
    "stale_partnerships": "Stale partnerships",
    "weekly_digest": "Weekly digest",
}


class Command(BaseCommand):
    help = (
        "Run the background jobs now, in this process (the same code the worker runs). "
        "With --dry-run, say what each would do and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            choices=sorted(JOBS),
            action="append",
            help="Run only this job (repeatable). Default: all.",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        names = options["job"] or list(JOBS)
        now = timezone.now()
        verb = "would do" if options["dry_run"] else "did"
        for name in names:
            try:
                result = run_job(name, now=now, dry_run=options["dry_run"])
            except KeyError as exc:
                raise CommandError(str(exc)) from None
            title = TITLES.get(name) or name.replace("_", " ").capitalize()
            if not result.actions:
                self.stdout.write(f"{title}: nothing to do.")
                continue
            self.stdout.write(f"{title}: {verb} {len(result.actions)} thing(s):")
            for action in result.actions:
                self.stdout.write(f"  - {action}")
