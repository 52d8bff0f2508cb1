"""What the certificates views share."""

from django.shortcuts import redirect

from organisations.models import Role

ORGANISER = Role.ORGANISER
PAGE_SIZE = 25


def project_redirect(project):
    return redirect("certificates:project", org_slug=project.organisation.slug, pk=project.pk)


def individual_redirect(individual):
    return redirect("certificates:individual", org_slug=individual.project.organisation.slug, pk=individual.pk)
