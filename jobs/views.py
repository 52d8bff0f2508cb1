"""A job's progress (the page, and the partial its page polls) and Retry."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import services
from jobs.selectors import get_job_for_member
from learnerpass.lib.actions import perform
from organisations.access import org_member_required, redirect_back


@org_member_required()
def job_detail(request, public_id):
    job = get_job_for_member(request, public_id)
    job = services.job_refresh_if_due(job=job)
    context = {"job": job, "reload_on_finish": request.GET.get("reload") == "1"}
    if request.htmx:
        response = render(request, "jobs/_progress.html", context)
        if job.is_finished and context["reload_on_finish"]:
            # The page around the progress changes too (a download appears, the batch is sent):
            # show it whole.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "jobs/job.html", context)


@require_POST
@org_member_required()
def job_retry(request, public_id):
    job = get_job_for_member(request, public_id)
    perform(request, lambda: services.job_retry(job=job, retried_by=request.user), _("Queued again."))
    return redirect_back(request, redirect("jobs:detail", org_slug=request.org.slug, public_id=job.public_id))
