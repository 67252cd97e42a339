from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devtools.generate import generate_directory
from devtools.generate_crm import generate_engagements


class Command(BaseCommand):
    help = "Generate a realistic synthetic directory of any size (same seed, same directory)."

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=100)
        parser.add_argument("--institutions", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--engagements",
            type=int,
            default=0,
            help="Also generate this many engagements (bulk; e.g. 1000000).",
        )

    def handle(self, *args, **options):
        if min(options["companies"], options["institutions"], options["engagements"]) < 0:
            raise CommandError(
                "--companies, --institutions and --engagements must be zero or more."
            )
        total = options["companies"] + options["institutions"]
        bar = tqdm(
            total=total,
            desc="organizations",
            unit="org",
            file=self.stderr,
            disable=options["verbosity"] < 1,
        )
        try:
            report = generate_directory(
                companies=options["companies"],
                institutions=options["institutions"],
                seed=options["seed"],
                progress=bar.update,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"Generated {report.created} organizations ({report.existing} already present)."
        )
        if options["engagements"]:
            self._engagements(options)

    def _engagements(self, options) -> None:
        bar = tqdm(
            total=options["engagements"],
            desc="engagements",
            unit="eng",
            file=self.stderr,
            disable=options["verbosity"] < 1,
        )
        try:
            made = generate_engagements(
                count=options["engagements"], seed=options["seed"], progress=bar.update
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(f"Generated {made} engagements.")
