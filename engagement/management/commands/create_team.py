from engagement.management.base import ServiceCommand
from engagement.services.accounts import team_create


class Command(ServiceCommand):
    help = "Create a business-development team for a Japanese company in the directory."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--company",
            required=True,
            help="Company name in English or Japanese, any spelling (DISCO).",
        )
        parser.add_argument("--name", default="", help="Team display name.")

    def handle(self, *args, **options):
        team = self.run_service(
            team_create, slug=options["slug"], company_name=options["company"], name=options["name"]
        )
        self.stdout.write(
            f"Created team {team.slug} for {team.company.name} (id {team.company_id})."
        )
