from django.core.management.base import CommandError

from engagement.management.base import ServiceCommand
from engagement.models import User
from engagement.services.accounts import api_token_create


class Command(ServiceCommand):
    help = "Issue an API token for a user. The key is printed once, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="A name to recognise the token by.")
        parser.add_argument("--read-only", action="store_true", help="Token may only read.")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        issued = self.run_service(
            api_token_create, user=user, name=options["name"], read_only=options["read_only"]
        )
        scope = "read-only" if issued.token.read_only else "read-write"
        self.stdout.write(
            f"Token {issued.token.name!r} ({scope}) for {user.username}. "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(issued.key)
