from tqdm import tqdm

from devtools.demo import DEMO_PASSWORD, DEMO_USERS, demo_load, demo_row_count
from engagement.management.base import ServiceCommand


class Command(ServiceCommand):
    help = "Load the demo directory (real companies and institutions), demo teams and users."

    def handle(self, *args, **options):
        bar = tqdm(
            total=demo_row_count(),
            desc="demo organizations",
            unit="org",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        )
        report = self.run_service(demo_load, tick=lambda: bar.update(1))
        bar.close()
        self.stdout.write(
            f"Demo data: {report.organizations_created} organizations, "
            f"{report.teams_created} teams, {len(report.users_created)} users, "
            f"{report.partnerships_created} partnerships (with their engagements, MoUs, pilots "
            "and follow-ups) created."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, team, language in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role:<16} team={team or '-':<11} {language}")
