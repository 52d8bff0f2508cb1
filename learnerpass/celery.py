import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from learnerpass import broker, logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings")

# `lpfs://`: the embedded default's broker, a folder (see learnerpass/broker.py).
broker.register()

app = Celery("learnerpass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Log lines of a task carry its id, and the id of the request that queued it (learnerpass/logs.py).
before_task_publish.connect(logs.add_request_id_header, weak=False)
task_prerun.connect(logs.enter_task, weak=False)
task_postrun.connect(logs.leave_task, weak=False)
