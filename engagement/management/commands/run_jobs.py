from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement.services.jobs import JOBS, run_job


class Command(BaseCommand):
    help = (
        "Run the background jobs now, in this process (the same code the worker runs). "
        "With --dry-run, say what each would do and change nothing; with --list, say what "
        "jobs there are, how often the worker runs them and how each acts once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            choices=sorted(JOBS),
            action="append",
            help="Run only this job (repeatable). Default: all.",
        )
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--list", action="store_true", help="List the jobs; run nothing.")

    def handle(self, *args, **options):
        names = options["job"] or list(JOBS)
        if options["list"]:
            for name in names:
                job = JOBS[name]
                minutes = job.seconds() / 60
                self.stdout.write(f"{name}: {job.title}, every {minutes:g} min")
                self.stdout.write(f"  acts once: {job.claims}")
            return
        now = timezone.now()
        verb = "would do" if options["dry_run"] else "did"
        for name in names:
            try:
                result = run_job(name, now=now, dry_run=options["dry_run"])
            except KeyError as exc:
                raise CommandError(str(exc)) from None
            title = JOBS[name].title
            if not result.actions:
                self.stdout.write(f"{title}: nothing to do.")
                continue
            self.stdout.write(f"{title}: {verb} {len(result.actions)} thing(s):")
            for action in result.actions:
                self.stdout.write(f"  - {action}")
