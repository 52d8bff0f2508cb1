"""Bug 2: bulk generation makes certificates only where one is missing or out of date; Replace all is separate."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import accepted, full_data, make_individual, make_project

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def project(org):
    return make_project(org)


@pytest.fixture
def two_accepted(project, organiser, learner, other_learner):
    return (
        accepted(make_individual(project, "a@example.test"), learner, organiser),
        accepted(make_individual(project, "b@example.test", first_name="Bo"), other_learner, organiser),
    )


def test_generating_for_all_keeps_certificates_that_are_still_right(project, organiser, two_accepted):
    a, b = two_accepted
    shared = services.certificate_generate(individual=a, generated_by=organiser)
    created = services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert [c.individual_id for c in created] == [b.pk]
    shared.refresh_from_db()
    assert shared.status == Certificate.Status.VALID


def test_generating_for_all_replaces_a_certificate_whose_accepted_data_changed(
    project, organiser, learner, two_accepted
):
    a, b = two_accepted
    old_a = services.certificate_generate(individual=a, generated_by=organiser)
    old_b = services.certificate_generate(individual=b, generated_by=organiser)
    services.individual_invite_to_edit(individual=a, invited_by=organiser)
    a.refresh_from_db()
    services.individual_submit(individual=a, user=learner, data=full_data(tasks="Ran the repair café every week"))
    services.individual_accept(individual=a, accepted_by=organiser)
    created = services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert [c.individual_id for c in created] == [a.pk]
    old_a.refresh_from_db()
    old_b.refresh_from_db()
    assert old_a.status == Certificate.Status.SUPERSEDED and old_b.status == Certificate.Status.VALID


def test_a_project_change_makes_its_certificates_out_of_date(project, organiser, two_accepted):
    for individual in two_accepted:
        services.certificate_generate(individual=individual, generated_by=organiser)
    services.project_update(project=project, title="Bridges Youth Exchange 2026")
    assert len(services.certificates_generate_for_project(project=project, generated_by=organiser)) == 2


def test_generating_for_all_when_everything_is_current_is_refused_with_a_message(project, organiser, two_accepted):
    for individual in two_accepted:
        services.certificate_generate(individual=individual, generated_by=organiser)
    with pytest.raises(services.CertificatesError, match="already has a current certificate"):
        services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert Certificate.objects.count() == 2


def test_a_revoked_certificate_counts_as_missing(project, organiser, two_accepted):
    a, b = two_accepted
    revoked = services.certificate_generate(individual=a, generated_by=organiser)
    services.certificate_revoke(certificate=revoked, revoked_by=organiser, reason="Wrong dates")
    services.certificate_generate(individual=b, generated_by=organiser)
    created = services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert [c.individual_id for c in created] == [a.pk]


def test_replace_all_supersedes_every_valid_certificate(project, organiser, two_accepted):
    a, _ = two_accepted
    old = services.certificate_generate(individual=a, generated_by=organiser)
    created = services.certificates_replace_for_project(project=project, generated_by=organiser, expected=1)
    assert len(created) == 2
    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED


def test_replace_all_refuses_when_the_number_it_would_supersede_changed_since_the_question(
    project, organiser, two_accepted
):
    services.certificate_generate(individual=two_accepted[0], generated_by=organiser)
    with pytest.raises(services.CertificatesError, match="Check again"):
        services.certificates_replace_for_project(project=project, generated_by=organiser, expected=0)
    assert Certificate.objects.count() == 1


def test_the_project_page_says_what_generate_will_do(login, org, organiser, project, two_accepted):
    services.certificate_generate(individual=two_accepted[0], generated_by=organiser)
    page = login(organiser).get(url("project", org, pk=project.pk)).content.decode()
    assert "Generate 1 missing or out-of-date certificate" in page
    assert url("project_replace", org, pk=project.pk) in page


def test_replace_all_asks_first_saying_how_many_valid_certificates_it_supersedes(
    login, org, organiser, project, two_accepted, django_capture_on_commit_callbacks
):
    for individual in two_accepted:
        services.certificate_generate(individual=individual, generated_by=organiser)
    client = login(organiser)
    page = client.get(url("project_replace", org, pk=project.pk)).content.decode()
    assert "2 valid certificates" in page and 'name="expected" value="2"' in page
    assert Certificate.objects.filter(status="valid").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("project_replace", org, pk=project.pk), {"expected": "2"}, follow=True)
    assert "2 certificates are being generated" in response.content.decode()
    assert Certificate.objects.filter(status="superseded").count() == 2
    assert Certificate.objects.filter(status="valid").count() == 2


def test_replace_all_without_the_confirmed_count_changes_nothing(login, org, organiser, project, two_accepted):
    services.certificate_generate(individual=two_accepted[0], generated_by=organiser)
    response = login(organiser).post(url("project_replace", org, pk=project.pk), {}, follow=True)
    assert "Check again" in response.content.decode()
    assert Certificate.objects.count() == 1
