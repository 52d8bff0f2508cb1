from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app's demo module has build(context: dict) -> dict, adding to the shared context.
DEMO_MODULES = ["organisations.demo", "programs.demo", "certificates.demo", "badges.demo"]


class Command(BaseCommand):
    help = "Load the demo organisation, people and examples of every feature. Safe to run again."

    def handle(self, *args, **options):
        context: dict = {}
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            with transaction.atomic():
                context.update(module.build(context) or {})
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with the accounts listed in the README."))
