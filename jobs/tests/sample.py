"""A kind of job and its task for the jobs tests: count to n, one item at a time."""

from celery import shared_task

from jobs.registry import Followed, Kind, register
from jobs.services import job_run
from learnerpass.lib.actions import UserError
from organisations.models import Role

FOLLOWED: dict[int, Followed] = {}

register(
    Kind(
        name="tests.count",
        title="Counting",
        progress="%(done)s of %(total)s counted",
        labels={"counted": "counted", "skipped": "skipped"},
        roles=(Role.ORGANISER,),
        follow=lambda job: FOLLOWED[job.pk],
    )
)


@shared_task(acks_late=True)
def count_to(job_id: int, n: int, fail_at: int = -1, refuse: str = "", follow: bool = False) -> None:
    def work(run):
        run.set_total(n)
        for i in range(run.done, n):
            if i == fail_at:
                raise RuntimeError("boom")
            if refuse:
                raise UserError(refuse)
            if i % 10 == 9:
                run.count("skipped", reason="Every tenth is skipped.")
            else:
                run.count("counted")
            run.advance()
        if follow:
            run.follow()

    job_run(job_id, work)
