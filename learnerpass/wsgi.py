import os

from django.core.wsgi import get_wsgi_application

from learnerpass.lib.gctune import tune_for_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings")
application = get_wsgi_application()
tune_for_requests()
