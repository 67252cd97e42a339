from pathlib import Path

from tqdm import tqdm

from engagement.management.base import ServiceCommand
from engagement.services.reference import LOADERS, REFERENCE_DIR, reference_load


class Command(ServiceCommand):
    help = "Load or update reference data (thrusts, initiatives, capabilities, ...) from fixtures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=REFERENCE_DIR,
            help="Folder of reference CSV files (default: fixtures/reference).",
        )

    def handle(self, *args, **options):
        bar = tqdm(
            total=len(LOADERS),
            desc="reference data",
            unit="file",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        )

        def step(_name: str) -> None:
            bar.update(1)

        report = self.run_service(reference_load, directory=options["dir"], progress=step)
        bar.close()
        if options["verbosity"] < 1:
            return
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            "Reference data changed."
            if report.changed
            else "Reference data already up to date: nothing created or changed."
        )
