from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from jobs.models import Job


def test_admins_see_jobs_and_can_queue_a_stuck_one_again(client, start, settings, django_capture_on_commit_callbacks):
    superuser = make_user("root@example.test", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    job = start(4, run=False)
    finished = start(4)
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS + 5))
    assert client.get(reverse("admin:jobs_job_changelist")).status_code == 200
    assert client.get(reverse("admin:jobs_job_change", args=[job.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:jobs_job_changelist"),
            {"action": "retry", "_selected_action": [job.pk, finished.pk]},
            follow=True,
        )
    assert "1 jobs queued again." in response.content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert client.get(reverse("admin:jobs_workerbeat_changelist")).status_code == 200
