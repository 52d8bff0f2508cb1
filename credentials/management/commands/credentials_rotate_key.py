from django.core.management.base import BaseCommand, CommandError

from credentials.services import signing_key_rotate
from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Give an organisation a new signing key. The old one is retired but stays in its DID document, "
        "so credentials it signed keep verifying; new signatures use the new key."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's slug (as in /o/<slug>/)")

    def handle(self, *args, slug, **options):
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation {slug!r}.")
        key = signing_key_rotate(organisation=organisation)
        self.stdout.write(f"{organisation.name}: new key {key.public_key_multibase}.")
