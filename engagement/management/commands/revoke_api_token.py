from django.core.management.base import BaseCommand, CommandError

from engagement.models import ApiToken
from engagement.services.accounts import api_token_revoke


class Command(BaseCommand):
    help = "Revoke a user's live API token by name (it stops working at once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="The token's name.")

    def handle(self, *args, **options):
        token = ApiToken.objects.filter(
            user__username=options["username"], name=options["name"], revoked_at=None
        ).first()
        if token is None:
            raise CommandError(
                f"{options['username']} has no live token named {options['name']!r}."
            )
        api_token_revoke(token=token)
        self.stdout.write(
            f"Revoked token {token.name!r} ({token.prefix}…) of {options['username']}."
        )
