from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from engagement.services.generate import generate_directory


class Command(BaseCommand):
    help = "Generate a realistic synthetic directory of any size (same seed, same directory)."

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=100)
        parser.add_argument("--institutions", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if options["companies"] < 0 or options["institutions"] < 0:
            raise CommandError("--companies and --institutions must be zero or more.")
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
