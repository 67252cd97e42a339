import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from engagement.models import Organization, OrganizationKind
from matching.services.recompute import matches_recompute_companies


class Command(BaseCommand):
    help = (
        "Recompute partner suggestions now, in this process: every company, or one with "
        "--company. Prints how many companies and suggestions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", type=int, help="The id of one Japanese company.")

    def handle(self, *args, **options):
        ids = None
        if options["company"] is not None:
            company = Organization.objects.filter(pk=options["company"]).first()
            if company is None or company.kind != OrganizationKind.JAPANESE_COMPANY:
                raise CommandError(f"No Japanese company with id {options['company']}.")
            ids = [company.pk]
        total = (
            len(ids)
            if ids
            else Organization.objects.filter(kind=OrganizationKind.JAPANESE_COMPANY).count()
        )
        bar = tqdm(
            total=total,
            desc="companies",
            unit="co",
            file=self.stderr,
            disable=options["verbosity"] < 1,
        )
        started = time.perf_counter()
        try:
            report = matches_recompute_companies(
                company_ids=ids, fresh=ids is None, progress=bar.update
            )
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Recomputed {report.companies} companies: {report.suggestions} suggestions "
            f"({report.pairs} pairs scored) in {seconds:.2f} s."
        )
