import pytest

from jobs.services import job_start
from jobs.tests.sample import count_to


@pytest.fixture
def start(org, organiser, django_capture_on_commit_callbacks):
    """start(n, **task_kwargs) starts a counting job of `org` by `organiser` and runs it (eager)."""

    def _start(n=10, *, run=True, started_by=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=run):
            return job_start(
                kind="tests.count",
                task=count_to,
                organisation=org,
                started_by=started_by or organiser,
                ref=org,
                total=n,
                task_kwargs={"n": n, **kwargs},
                return_url=f"/o/{org.slug}/",
            )

    return _start
