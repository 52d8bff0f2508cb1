"""The web process's garbage collector, set for serving pages.

A page allocates tens of thousands of short-lived objects (rows, model instances, template nodes'
output). With Python's default young-generation threshold (700), the collector ran several times in
every request and each pass walked them all; most of them were freed by reference counting anyway.
`tune_for_requests()` runs once the application is loaded (learnerpass/wsgi.py): what exists by then
(modules, URL patterns, settings) lives as long as the process, so it is frozen out of every later
pass, and young collections wait for settings.WEB_GC_THRESHOLD new objects. Cycles are still
collected, only less often; memory stays bounded by the threshold.
"""

import gc

from django.conf import settings


def tune_for_requests() -> None:
    threshold = settings.WEB_GC_THRESHOLD
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
