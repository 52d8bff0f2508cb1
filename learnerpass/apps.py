from django.apps import AppConfig


class LearnerpassConfig(AppConfig):
    name = "learnerpass"
    verbose_name = "LearnerPass"
