"""What the certificates views share."""

from django.contrib import messages
from django.shortcuts import redirect

from certificates import selectors
from organisations.models import Role

ORGANISER = Role.ORGANISER
PAGE_SIZE = selectors.PAGE_SIZE


def project_redirect(project):
    return redirect("certificates:project", org_slug=project.organisation.slug, pk=project.pk)


def individual_redirect(individual):
    return redirect("certificates:individual", org_slug=individual.project.organisation.slug, pk=individual.pk)


def form_errors(request, form) -> None:
    """A small form posted from a list (no page of its own to show it again): its errors as messages."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
