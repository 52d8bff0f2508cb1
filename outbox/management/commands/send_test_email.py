from django.core.management.base import BaseCommand
from django.db import transaction

from outbox.services import email_queue


class Command(BaseCommand):
    help = "Queue a test email through the outbox (checks the mail settings end to end)."

    def add_arguments(self, parser):
        parser.add_argument("to")

    def handle(self, to, **options):
        with transaction.atomic():
            email = email_queue(to=to, template="outbox/test", context={"name": to}, kind="test")
        self.stdout.write(f"Queued email {email.pk} to {to}.")
