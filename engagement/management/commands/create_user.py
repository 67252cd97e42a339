import secrets
import sys

from engagement.management.base import ServiceCommand
from engagement.models import Role
from engagement.services.accounts import user_create


class Command(ServiceCommand):
    stealth_options = ("stdin",)
    help = (
        "Create a user. The password is the first line of standard input when it is not a "
        "terminal; otherwise one is generated and printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--team", default=None, help="Team slug (required for bd_member, integrator)."
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--language", default="en", choices=["en", "ja"])

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        generated = stdin.isatty()
        password = secrets.token_urlsafe(12) if generated else stdin.readline().rstrip("\r\n")
        user = self.run_service(
            user_create,
            username=options["username"],
            role=options["role"],
            team_slug=options["team"],
            email=options["email"],
            password=password,
            language=options["language"],
            check_password=not generated,
        )
        self.stdout.write(
            f"Created {user.role} {user.username}"
            + (f" in team {user.team.slug}" if user.team else "")
            + "."
        )
        if generated:
            self.stdout.write(f"Password: {password}")
