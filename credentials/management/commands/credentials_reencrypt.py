from django.core.management.base import BaseCommand

from credentials.services import signing_keys_reencrypt


class Command(BaseCommand):
    help = "Encrypt every organisation's signing key again with the first CREDENTIALS_KEY (after rotating it)."

    def handle(self, *args, **options):
        count = signing_keys_reencrypt()
        self.stdout.write(f"{count} signing keys re-encrypted.")
