"""Reads of the certificates app. Organiser reads never touch a learner's draft."""

import difflib
import re

from django.db.models import Count, F, FilteredRelation, Q, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import content
from certificates.jobs import RENDER, ZIP
from certificates.models import Certificate, Individual, Project, ProjectPartner
from certificates.snapshot import ProjectSnapshot
from jobs.models import Job
from jobs.selectors import prepared_jobs_about
from jobs.services import ref_filter
from learnerpass.lib.bulk import one_of
from learnerpass.lib.counts import capped_count
from learnerpass.lib.prepared import one_or_404, prepared

Status = Individual.Status
# The organiser lists' page size (the views take it from here, and first_individuals reads one page and one row).
PAGE_SIZE = 25


def get_project_for_member(request, pk: int) -> Project:
    return one_or_404(_member_project(pk, request.org.pk), "project")


@prepared
def _member_project(pk, organisation_id):
    # Every project page asks for it: prepared (its SQL built once per process).
    return Project.objects.filter(pk=pk, organisation_id=organisation_id).select_related("organisation")


def get_individual_for_member(request, pk: int) -> Individual:
    individual = (
        Individual.objects.filter(pk=pk, project__organisation=request.org)
        .select_related("project__organisation", "user")
        .defer("draft_data")
        .first()
    )
    if individual is None:
        raise Http404("No such individual.")
    return individual


def get_certificate_for_member(request, pk: int) -> Certificate:
    certificate = (
        Certificate.objects.filter(pk=pk, individual__project__organisation=request.org)
        # The organisation too: the views redirect to the individual's page by the organisation's slug.
        .select_related("individual__project__organisation")
        .first()
    )
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def get_individual_for_learner(user, public_id: str) -> Individual:
    """The learner's own record; someone else's is simply not found."""
    individual = (
        Individual.objects.filter(public_id=public_id, user=user).select_related("project__organisation").first()
    )
    if individual is None:
        raise Http404("No such certificate data.")
    return individual


def projects_for_org(organisation):
    """The organisation's projects, newest first; add_individual_counts gives a page of them their figures.

    Counting in the same query made the paginator's count join and group every individual too."""
    return Project.objects.filter(organisation=organisation).order_by("-start_date", "title", "id")


def add_individual_counts(projects: list[Project]) -> list[Project]:
    """Set individual_count, awaiting_review and accepted_count on each project (one query, by status)."""
    by_status = {project.pk: {} for project in projects}
    rows = (
        Individual.objects.filter(project__in=projects)
        .values_list("project_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for project_id, status, n in rows:
        by_status[project_id][status] = n
    for project in projects:
        counts = by_status[project.pk]
        project.individual_count = sum(counts.values())
        project.awaiting_review = counts.get(Status.SUBMITTED, 0)
        project.accepted_count = counts.get(Status.ACCEPTED, 0)
    return projects


# The list's status filter: every status, and "not yet submitted" (invited to edit, still writing).
NOT_SUBMITTED = "not_submitted"
STATUS_FILTERS = {NOT_SUBMITTED: Individual.HELD_BY_LEARNER, **{value: (value,) for value in Status.values}}


def status_filter_choices() -> list[tuple[str, str]]:
    return [(NOT_SUBMITTED, _("Not yet submitted (writing)")), *Status.choices]


# A project's individuals, paged by keyset (learnerpass.lib.keyset) along Individual's project + name index.
INDIVIDUAL_ORDER = ("surname", "first_name", "id")


def individuals_for_project(project: Project, *, query: str = "", status: str = ""):
    individuals = Individual.objects.filter(project=project).defer(
        "draft_data", "submitted_data", "accepted_data", "previous_submitted_data", "review_comments"
    )
    if query:
        individuals = individuals.filter(
            Q(first_name__icontains=query) | Q(surname__icontains=query) | Q(email__icontains=query)
        )
    if status:
        individuals = individuals.filter(status__in=STATUS_FILTERS[status])
    return individuals.order_by(*INDIVIDUAL_ORDER)


@prepared
def first_individuals(project_id):
    """The first page of the project's individuals, unfiltered, and one more row (is there a next page?):
    the page most visits to a project load."""
    return individuals_for_project(Project(pk=project_id))[: PAGE_SIZE + 1]


def current_certificates(individuals: list[Individual]) -> dict[int, Certificate]:
    """The latest certificate of each individual, in one query."""
    latest: dict[int, Certificate] = {}
    if individuals:
        for certificate in _unsuperseded([individual.pk for individual in individuals]):
            latest[certificate.individual_id] = certificate
    return latest


@prepared
def _unsuperseded(individual_ids):
    # Prepared (on PostgreSQL, where the ids are one array parameter): every project page asks.
    return (
        Certificate.objects.filter(**one_of("individual_id", individual_ids))
        .exclude(status=Certificate.Status.SUPERSEDED)
        .order_by("individual_id", "issued_at", "id")
        .only("id", "individual_id", "code", "status", "pdf", "render_error", "issued_at")
    )


@prepared
def _progress_figures(project_id):
    # The aggregate as a query grouped by the one project, so that it can be prepared: no row without certificates.
    return (
        Certificate.objects.filter(individual__project_id=project_id, status=Certificate.Status.VALID)
        .values("individual__project_id")
        .annotate(
            total=Count("id"),
            rendered=Count("id", filter=~Q(pdf="")),
            failed=Count("id", filter=Q(pdf="") & ~Q(render_error="")),
        )
        .values_list("total", "rendered", "failed")
        .order_by()
    )


def certificate_progress(project: Project) -> dict:
    """How far the project's current certificates have rendered (one query)."""
    found = _progress_figures(project.pk)
    figures = dict(zip(("total", "rendered", "failed"), found[0] if found else (0, 0, 0), strict=True))
    figures["pending"] = figures["total"] - figures["rendered"] - figures["failed"]
    figures["done"] = figures["total"] > 0 and figures["pending"] == 0
    figures["percent"] = round(100 * figures["rendered"] / figures["total"]) if figures["total"] else 0
    return figures


def _accepted(project_id):
    return Individual.objects.filter(project_id=project_id, status=Status.ACCEPTED).order_by("surname", "id")


def _accepted_with_valid_certificate(project_id):
    """The project's accepted individuals, each with their valid certificate's id and data (None without one)."""
    valid = FilteredRelation("certificates", condition=Q(certificates__status=Certificate.Status.VALID))
    return (
        _accepted(project_id)
        .annotate(valid_certificate=valid)
        .annotate(valid_certificate_pk=F("valid_certificate__id"), valid_certificate_data=F("valid_certificate__data"))
    )


@prepared
def _page_plan_query(project_id):
    # The project page shows the plan on every visit: prepared, and only what a snapshot reads.
    return _accepted_with_valid_certificate(project_id).defer(
        "draft_data", "submitted_data", "previous_submitted_data", "review_comments", "edit_message"
    )


@prepared
def _project_partners(project_id):
    return ProjectPartner.objects.filter(project_id=project_id).order_by("position", "id")


def generation_plan(project: Project, *, lock: bool = False) -> dict:
    """Who needs a certificate: accepted individuals with none valid (missing) or whose accepted data or
    project changed since theirs was made (outdated); `valid` counts the valid certificates Replace all
    would supersede. One query, and the partners' when there is a certificate to compare; locked (for a
    generation), one more first, which locks the individuals until the transaction ends."""
    if lock:
        # Lock, then read: a generation that held these rows has committed its certificates by the time the
        # second statement starts, so they are seen (one statement would read them as they were before it waited).
        locked = list(_accepted(project.pk).select_for_update().values_list("pk", flat=True))
        rows = _accepted_with_valid_certificate(project.pk).filter(pk__in=locked) if locked else []
        individuals, valid = _plan_rows(rows)
    else:
        individuals, valid = _plan_rows(_page_plan_query(project.pk))
    missing, outdated = [], []
    if valid:
        # Every snapshot lists the project's partners: read them once for all (prefetched for the
        # generation that follows a locked plan, whose new snapshots read them too).
        if lock:
            prefetch_related_objects([project], "partners")
            now = ProjectSnapshot(project)
        else:
            now = ProjectSnapshot(project, _project_partners(project.pk))
    for individual in individuals:
        individual.project = project
        data = valid.get(individual.pk)
        if data is None:
            missing.append(individual)
        elif not now.still_says(data, individual):
            outdated.append(individual)
    return {
        "accepted": individuals,
        "missing": missing,
        "outdated": outdated,
        "todo": missing + outdated,
        "valid": len(valid),
    }


def _plan_rows(rows) -> tuple[list[Individual], dict[int, dict]]:
    """generation_plan's individuals, and the data of their valid certificates by individual."""
    individuals: dict[int, Individual] = {}
    valid: dict[int, dict] = {}
    for individual in rows:
        # Generation keeps one valid certificate per individual; were there two, the individual is listed once.
        individuals.setdefault(individual.pk, individual)
        if individual.valid_certificate_pk is not None:
            valid.setdefault(individual.pk, individual.valid_certificate_data)
    return list(individuals.values()), valid


def certificate_section(project: Project) -> dict:
    """What the project page's certificates section shows: progress, the latest render and ZIP jobs, and
    the jobs started from the page (two queries)."""
    jobs = _project_jobs(project.pk)
    return {
        "progress": certificate_progress(project),
        "render_job": next((job for job in jobs if job.kind == RENDER), None),
        "zip_job": next((job for job in jobs if job.kind == ZIP), None),
        "project_jobs": jobs,
    }


# The project's latest render and ZIP jobs, for its page.
_project_jobs = prepared_jobs_about(Project, kinds=[RENDER, ZIP], limit=6)


def latest_zip(project: Project):
    """The latest finished ZIP of the project that still has its file, or None."""
    return (
        Job.objects.filter(kind=ZIP, state=Job.State.SUCCEEDED, **ref_filter(project))
        .exclude(result_file="")
        .order_by("-finished_at")
        .first()
    )


def rendered_certificates(project: Project):
    return (
        Certificate.objects.filter(individual__project=project, status=Certificate.Status.VALID)
        .exclude(pdf="")
        .only("id", "code", "pdf", "data")
        .order_by("id")
    )


def org_summary(organisation) -> list[tuple[str, int]]:
    # Two small queries rather than one that joined every individual of every project to count them.
    submitted = capped_count(Individual.objects.filter(project__organisation=organisation, status=Status.SUBMITTED))
    projects = Project.objects.filter(organisation=organisation).count()
    return [(_("awaiting review"), submitted), (ngettext("project", "projects", projects), projects)]


# Review -------------------------------------------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Segments (op, text) with op in equal/delete/insert, word by word, for a readable diff."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                segments.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                segments.append(("insert", "".join(b[j1:j2])))
    return segments


LONG_TEXT = 800  # characters; longer values fold on the review page


def review_against(individual: Individual, requested: str = "") -> str:
    """What the submission is compared with: the previous submission after a request for changes (what
    the learner changed in answer), else the accepted data; the organiser may ask for either."""
    has_previous = bool(individual.previous_submitted_data)
    if requested == "accepted" or not has_previous:
        return "accepted"
    return "previous"


def review_rows(individual: Individual, against: str = "accepted") -> list[dict]:
    """Each field of the submission beside the value it is compared with; changed ones carry a diff."""
    base = content.clean_data(individual.previous_submitted_data if against == "previous" else individual.accepted_data)
    submitted = content.clean_data(individual.submitted_data)
    comments = (individual.review_comments or {}).get("fields", {})
    rows = []
    for field in content.FIELDS:
        old, new = base[field.key], submitted[field.key]
        if not old and not new:
            continue
        changed = old != new
        rows.append(
            {
                "field": field,
                "accepted": old,
                "submitted": new,
                "changed": changed,
                "diff": word_diff(old, new) if changed and field.long and old else None,
                "comment": comments.get(field.key, ""),
                "long": len(new) > LONG_TEXT or len(old) > LONG_TEXT,
            }
        )
    return rows


def data_groups(data: dict, parts: tuple[str, ...] | None = None) -> list[dict]:
    """A snapshot as groups of (label, value) for read-only display, skipping empty values."""
    data = content.clean_data(data)
    groups: dict[str, list] = {}
    for field in content.FIELDS:
        if parts is not None and field.key in ("tasks", "training_activities") and field.key not in parts:
            continue
        if data[field.key]:
            groups.setdefault(str(field.group), []).append({"field": field, "value": data[field.key]})
    return [{"title": title, "entries": entries} for title, entries in groups.items()]


# Learner ------------------------------------------------------------------------------------------


@prepared
def _dashboard_individuals(user_id):
    return (
        Individual.objects.filter(user_id=user_id)
        .select_related("project__organisation")
        .only(
            "id",
            "public_id",
            "status",
            "review_comments",
            "edit_deadline",
            "project__title",
            "project__start_date",
            "project__end_date",
            "project__organisation__name",
        )
        .order_by("-project__start_date", "id")
    )


@prepared
def _dashboard_certificates(user_id):
    # A revoked certificate stays, marked with the reason (the learner may have shared it); a superseded one
    # goes, as its newer version is listed.
    return (
        Certificate.objects.filter(individual__user_id=user_id)
        .filter((Q(status=Certificate.Status.VALID) & ~Q(pdf="")) | Q(status=Certificate.Status.REVOKED))
        .select_related("individual__project")
        .only(
            "id",
            "code",
            "issued_at",
            "status",
            "pdf",
            "revoked_reason",
            "revoked_at",
            "individual__public_id",
            "individual__project__title",
        )
        .order_by("-issued_at")
    )


def learner_dashboard(user) -> dict:
    """The learner's projects, what waits for them and their certificates (two queries, prepared as /me/
    loads them on every visit; one without projects)."""
    if not user.is_authenticated:
        return {"items": [], "waiting": [], "certificates": []}
    individuals = _dashboard_individuals(user.pk)
    # Certificates belong to the learner's individuals: none without one.
    certificates = individuals and _dashboard_certificates(user.pk)
    waiting = [i for i in individuals if i.status in Individual.HELD_BY_LEARNER]
    return {"items": individuals, "waiting": waiting, "certificates": certificates}
