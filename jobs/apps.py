from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        # Each app describes the kinds of job it starts in its own jobs.py (see jobs.registry).
        autodiscover_modules("jobs")
