"""Bug 2: bulk generation makes certificates only where one is missing or out of date; Replace all is separate."""

import pytest
from django.urls import reverse
from django.utils import translation

from certificates import selectors, services
from certificates.models import Certificate, Individual, ProjectPartner
from certificates.snapshot import ProjectSnapshot, certificate_snapshot
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


def _certified(project, n, prefix):
    """n accepted individuals, each with a certificate that says what it would say now."""
    people = [
        make_individual(
            project, f"{prefix}{index}@example.test", first_name=f"P{index}", status=Individual.Status.ACCEPTED
        )
        for index in range(n)
    ]
    for person in people:
        Certificate.objects.create(individual=person, data=certificate_snapshot(person))
    return people


def test_the_page_plan_compares_every_accepted_individual_in_two_queries_whatever_their_number(
    project, django_assert_num_queries
):
    # Queries: the accepted individuals with their valid certificates; the project's partners.
    _certified(project, 2, "a")
    with django_assert_num_queries(2):
        assert selectors.generation_plan(project)["todo"] == []
    people = _certified(project, 10, "b")
    people[3].accepted_data = {**people[3].accepted_data, "surname": "Renamed"}
    people[3].save()
    missing = make_individual(project, "missing@example.test", status=Individual.Status.ACCEPTED)
    make_individual(project, "writing@example.test", status=Individual.Status.EDITING)
    with django_assert_num_queries(2):
        plan = selectors.generation_plan(project)
    assert [i.pk for i in plan["outdated"]] == [people[3].pk] and [i.pk for i in plan["missing"]] == [missing.pk]
    assert len(plan["accepted"]) == 13 and plan["valid"] == 12
    # The same as the plan a generation makes under lock.
    locked = selectors.generation_plan(project, lock=True)
    assert [[i.pk for i in locked[key]] for key in ("accepted", "missing", "outdated")] == [
        [i.pk for i in plan[key]] for key in ("accepted", "missing", "outdated")
    ]


def test_an_individual_with_two_valid_certificates_is_planned_once(project):
    [person] = _certified(project, 1, "a")
    Certificate.objects.create(individual=person, data=certificate_snapshot(person))
    plan = selectors.generation_plan(project)
    assert [i.pk for i in plan["accepted"]] == [person.pk] and plan["todo"] == [] and plan["valid"] == 1


def test_a_project_without_certificates_plans_in_one_query(project, django_assert_num_queries):
    make_individual(project, "a@example.test", status=Individual.Status.ACCEPTED)
    with django_assert_num_queries(1):
        assert len(selectors.generation_plan(project)["missing"]) == 1


def test_a_projects_snapshot_says_what_each_certificate_says_in_the_projects_language(org):
    project = make_project(org, language="fr")
    ProjectPartner.objects.create(project=project, name="Partner", country="SI", position=1)
    lea = make_individual(project, "lea@example.test")
    tom = make_individual(project, "tom@example.test", first_name="Tom", role=Individual.Role.TEAM_MEMBER)
    now = ProjectSnapshot(project)
    with translation.override("en"):
        lea_now, tom_now = now.of(lea), now.of(tom)
        assert lea_now == certificate_snapshot(lea) and tom_now == certificate_snapshot(tom)
    with translation.override("fr"):
        assert tom_now["role"] == str(Individual.Role.TEAM_MEMBER.label) != "Team member"
        assert lea_now["project"]["activity_type"] == str(project.get_activity_type_display())
    assert tom_now["parts"] == ["tasks"] and lea_now["holder"] == "Lea Martin"
    # Each certificate's data is its own: changing one changes no other.
    lea_now["partners"][0]["name"] = "Changed"
    lea_now["project"]["title"] = "Changed"
    assert tom_now["partners"][0]["name"] == "Partner" and tom_now["project"]["title"] == project.title


def test_generating_for_all_writes_each_certificate_what_its_own_snapshot_says(project, organiser, two_accepted):
    ProjectPartner.objects.create(project=project, name="Partner", country="SI", position=1)
    created = services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert len(created) == 2
    for certificate in created:
        certificate.refresh_from_db()
        individual = Individual.objects.select_related("project__organisation").get(pk=certificate.individual_id)
        assert certificate.data == certificate_snapshot(individual)
        assert certificate.data["partners"] == [{"name": "Partner", "country": "SI"}]
