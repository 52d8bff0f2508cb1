"""Reads of the jobs app."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from jobs.models import Job
from jobs.registry import get_kind, label
from jobs.services import ref_filter
from learnerpass.lib.prepared import prepared


def get_job_for_member(request, public_id: str) -> Job:
    """A job of the member's organisation that they may watch: its starter, or a member with the kind's role.

    Another organisation's job is not found (404); a role too small is refused (403).
    """
    job = Job.objects.filter(public_id=public_id, organisation=request.org).select_related("organisation").first()
    if job is None:
        raise Http404("No such job.")
    if job.started_by_id != request.user.pk and not request.membership.has_role(*get_kind(job.kind).roles):
        raise PermissionDenied("Your role does not allow watching this job.")
    return job


def _about(obj: models.Model, kinds: list[str] | None, limit: int):
    jobs = Job.objects.filter(**ref_filter(obj))
    if kinds:
        jobs = jobs.filter(kind__in=kinds)
    return jobs.select_related("started_by", "organisation")[:limit]


def jobs_about(obj: models.Model, *, kinds: list[str] | None = None, limit: int = 10) -> list[Job]:
    """The latest jobs started about one object (a project, an upload…), newest first."""
    return list(_about(obj, kinds, limit))


def prepared_jobs_about(model: type[models.Model], *, kinds: list[str] | None = None, limit: int = 10):
    """jobs_about for the objects of `model`, as a prepared query taking the object's id
    (learnerpass.lib.prepared), for the pages loaded after every action on the object."""

    @prepared
    def jobs(obj_id):
        return _about(model(pk=obj_id), kinds, limit)

    return jobs


def jobs_started_here(
    organisation, *, kinds: list[str], started_by=None, ref_type: str = "", limit: int = 10
) -> list[Job]:
    """The latest jobs of these kinds in the organisation (one person's when `started_by` is given)."""
    jobs = Job.objects.filter(organisation=organisation, kind__in=kinds)
    if started_by is not None:
        jobs = jobs.filter(started_by=started_by)
    if ref_type:
        jobs = jobs.filter(ref_type=ref_type)
    return list(jobs.select_related("started_by", "organisation")[:limit])


def latest_job_about(obj: models.Model, *, kinds: list[str] | None = None) -> Job | None:
    found = jobs_about(obj, kinds=kinds, limit=1)
    return found[0] if found else None


def summary(job: Job) -> list[dict]:
    """The named counts in the kind's order, each with its label and reasons: what the finished state lists."""
    kind = get_kind(job.kind)
    order = list(kind.labels) + [key for key in job.counts if key not in kind.labels]
    lines = []
    for key in order:
        number = job.counts.get(key)
        if not number:
            continue
        reasons = sorted((job.reasons or {}).get(key, {}).items(), key=lambda item: -item[1])
        lines.append({"key": key, "label": label(kind, key), "count": number, "reasons": reasons})
    return lines
