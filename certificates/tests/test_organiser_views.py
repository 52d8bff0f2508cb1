import io
import zipfile

import pytest
from django.urls import reverse
from django.utils.text import slugify

from certificates import services
from certificates.models import Certificate, Individual, Project
from certificates.tests.factories import (
    accepted,
    editing,
    full_data,
    make_individual,
    make_project,
    submitted,
)

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


PROJECT_POST = {
    "title": "Training on inclusion",
    "activity_type": "training_course",
    "start_date": "2026-06-01",
    "end_date": "2026-06-07",
    "venue": "Tallinn",
    "description": "A week on inclusion.",
    "language": "en",
    "representative_name": "Ada Lovelace",
    "representative_role": "President",
    "mentor_name": "",
    "mentor_role": "",
    "partners-TOTAL_FORMS": "0",
    "partners-INITIAL_FORMS": "0",
}


def test_an_organiser_creates_a_project(login, org, organiser):
    response = login(organiser).post(url("project_create", org), PROJECT_POST)
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == url("project", org, pk=project.pk)
    assert project.organisation == org and project.created_by == organiser
    assert project.parts_for("participant") == ("training_activities",)
    assert project.parts_for("team_member") == ("tasks",)


def test_a_project_cannot_end_before_it_starts(login, org, organiser):
    response = login(organiser).post(url("project_create", org), {**PROJECT_POST, "end_date": "2026-05-01"})
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert not Project.objects.exists()


def test_a_mentor_role_without_a_name_is_refused_rather_than_dropped_from_the_certificate(login, org, organiser):
    response = login(organiser).post(url("project_create", org), {**PROJECT_POST, "mentor_role": "Mentor"})
    assert response.status_code == 200
    assert "Give the mentor&#x27;s name too" in response.content.decode()
    assert not Project.objects.exists()


def test_the_project_form_explains_the_activity_type_beside_it(login, org, organiser):
    page = login(organiser).get(url("project_create", org)).content.decode()
    assert 'id="id_activity_type_helptext"' in page and "Team members always describe their tasks" in page


def test_an_organiser_edits_a_project(login, org, organiser):
    project = make_project(org)
    login(organiser).post(url("project_edit", org, pk=project.pk), {**PROJECT_POST, "title": "Renamed"})
    project.refresh_from_db()
    assert project.title == "Renamed"


def test_an_organiser_adds_an_individual(login, org, organiser):
    project = make_project(org)
    response = login(organiser).post(
        url("individual_add", org, pk=project.pk),
        {"first_name": "Lea", "surname": "Martin", "email": "lea@example.test", "country": "FR", "role": "participant"},
    )
    assert response.status_code == 302
    individual = Individual.objects.get()
    assert individual.country.code == "FR" and individual.status == "not_invited"


def test_add_and_add_another_comes_back_to_an_empty_form(login, org, organiser):
    project = make_project(org)
    client = login(organiser)
    post = {
        "first_name": "Lea",
        "surname": "Martin",
        "email": "lea@example.test",
        "country": "FR",
        "role": "participant",
    }
    response = client.post(url("individual_add", org, pk=project.pk), {**post, "another": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == url("individual_add", org, pk=project.pk)
    page = response.content.decode()
    assert "Lea Martin was added." in page and 'value="lea@example.test"' not in page
    assert Individual.objects.count() == 1


def test_adding_an_individual_needs_a_real_country(login, org, organiser):
    project = make_project(org)
    response = login(organiser).post(
        url("individual_add", org, pk=project.pk),
        {"first_name": "Lea", "surname": "Martin", "email": "lea@example.test", "country": "XX", "role": "participant"},
    )
    assert response.status_code == 200 and not Individual.objects.exists()


def test_the_projects_page_lists_projects_with_review_counts(login, org, organiser, other_org, learner):
    project = make_project(org)
    submitted(make_individual(project), learner, organiser)
    make_project(other_org, title="Hidden elsewhere")
    response = login(organiser).get(url("projects", org))
    body = response.content.decode()
    assert "Bridges Youth Exchange" in body and "Hidden elsewhere" not in body
    (listed,) = response.context["page"].object_list
    assert (listed.individual_count, listed.awaiting_review, listed.accepted_count) == (1, 1, 0)
    # The count leads straight to the submissions waiting in that project.
    assert f'href="{url("project", org, pk=project.pk)}?status=submitted"' in body


def _fill(project, n):
    Individual.objects.bulk_create(
        [
            Individual(project=project, first_name=f"P{i}", surname="S", email=f"p{i}@example.test", country="DE")
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("n", [5, 15])
def test_the_project_page_runs_a_constant_number_of_queries(
    login, org, organiser, django_assert_num_queries, n, learner
):
    project = make_project(org)
    _fill(project, n)
    individual = accepted(make_individual(project, "z@example.test", surname="Zed"), learner, organiser)
    services.certificates._generate(individual, organiser)
    client = login(organiser)
    # session, user, the user's memberships (the access check and the navigation), project, individuals
    # (a keyset page: no count), latest emails, current certificates, certificate progress, the render and
    # ZIP jobs started from the page, accepted individuals with their valid certificates and the project's
    # partners (what Generate would do)
    with django_assert_num_queries(11):
        response = client.get(url("project", org, pk=project.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 9])
def test_the_projects_list_runs_a_constant_number_of_queries(login, org, organiser, django_assert_num_queries, n):
    for i in range(n):
        _fill(make_project(org, title=f"Project {i}"), 2)
    client = login(organiser)
    # session, user, the user's memberships (access and navigation), count, projects, their counts by status
    with django_assert_num_queries(6):
        response = client.get(url("projects", org))
    figures = [(p.title, p.individual_count, p.awaiting_review, p.accepted_count) for p in response.context["page"]]
    assert sorted(figures) == [(f"Project {i}", 2, 0, 0) for i in range(n)]


def test_the_project_page_searches_and_filters(login, org, organiser):
    project = make_project(org)
    make_individual(project, "anna@example.test", first_name="Anna", surname="Zed")
    make_individual(project, "bob@example.test", first_name="Bob", surname="Young")
    client = login(organiser)
    body = client.get(url("project", org, pk=project.pk), {"q": "anna"}).content.decode()
    assert "Anna Zed" in body and "Bob Young" not in body
    body = client.get(url("project", org, pk=project.pk), {"status": "accepted"}).content.decode()
    assert "Nobody matches" in body


def test_the_project_page_paginates(login, org, organiser):
    project = make_project(org)
    _fill(project, 30)
    client = login(organiser)
    first = client.get(url("project", org, pk=project.pk))
    assert len(first.context["individuals"]) == 25
    second = client.get(url("project", org, pk=project.pk) + first.context["page"].next_url)
    assert len(second.context["individuals"]) == 5
    names = [i.first_name for page in (first, second) for i in page.context["individuals"]]
    assert names == sorted(names) and len(set(names)) == 30  # by name, each once


def test_connect_then_invite_to_edit_from_the_project_page(login, org, organiser):
    project = make_project(org)
    individual = make_individual(project)
    client = login(organiser)
    invite = '<summary class="btn btn-sm btn-outline-primary">Invite to edit'
    body = client.get(url("project", org, pk=project.pk)).content.decode()
    assert "Connect learner" in body and invite not in body
    next_url = url("project", org, pk=project.pk)
    response = client.post(url("individual_connect", org, pk=individual.pk), {"next": next_url})
    assert response["Location"] == next_url
    body = client.get(next_url).content.decode()
    assert invite in body and ("Email queued" in body or "Email sent" in body)
    client.post(url("individual_invite", org, pk=individual.pk), {"message": "By Friday please"})
    individual.refresh_from_db()
    assert individual.status == "editing" and individual.edit_message == "By Friday please"


def test_the_next_parameter_cannot_leave_the_organisation(login, org, organiser):
    individual = make_individual(make_project(org))
    response = login(organiser).post(url("individual_connect", org, pk=individual.pk), {"next": "https://evil.test/"})
    assert response["Location"] == url("individual", org, pk=individual.pk)


def test_invite_to_edit_before_connecting_is_refused_with_a_message(login, org, organiser):
    individual = make_individual(make_project(org))
    response = login(organiser).post(url("individual_invite", org, pk=individual.pk), follow=True)
    assert "Send the connect invitation first" in response.content.decode()


def test_the_organiser_sees_the_accepted_data_never_the_draft(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    services.individual_save_draft(
        individual=individual, user=learner, data=full_data(competence_digital="SECRET DRAFT TEXT")
    )
    client = login(organiser)
    for name in ("individual", "review", "individual_edit"):
        response = client.get(url(name, org, pk=individual.pk), follow=True)
        assert "SECRET DRAFT TEXT" not in response.content.decode()


def test_the_organiser_cannot_edit_while_the_learner_holds_the_data(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    response = client.get(url("individual_edit", org, pk=individual.pk), follow=True)
    assert "The learner holds this data now" in response.content.decode()
    response = client.post(url("individual_edit", org, pk=individual.pk), {}, follow=True)
    assert "The learner holds this data now" in response.content.decode()


def test_the_organiser_edits_an_individual_who_is_not_held(login, org, organiser):
    individual = make_individual(make_project(org))
    data = {f"data-{k}": v for k, v in full_data().items()}
    response = login(organiser).post(
        url("individual_edit", org, pk=individual.pk),
        {
            "first_name": "Lea",
            "surname": "Martin",
            "email": "lea2@example.test",
            "country": "FR",
            "role": "participant",
            **data,
        },
    )
    assert response.status_code == 302
    individual.refresh_from_db()
    assert individual.email == "lea2@example.test"
    assert individual.accepted_data["competence_personal"]


def test_the_review_shows_each_changed_field_beside_its_accepted_value(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    services.individual_invite_to_edit(individual=individual, invited_by=organiser)
    individual.refresh_from_db()
    services.individual_submit(
        individual=individual,
        user=learner,
        data=full_data(competence_personal="I learned to facilitate a lively group discussion in French."),
    )
    response = login(organiser).get(url("review", org, pk=individual.pk))
    rows = {row["field"].key: row for row in response.context["rows"]}
    assert rows["competence_personal"]["changed"]
    assert not rows["tasks"]["changed"]
    body = response.content.decode()
    assert "<del" in body and "<ins" in body and "French." in body
    assert 'name="comment_competence_personal"' in body


def test_accept_from_the_review_page(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("accept", org, pk=individual.pk), follow=True)
    assert "Accepted" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == "accepted"


def test_accept_with_comments_typed_keeps_them_and_accepts_nothing(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(
        url("accept", org, pk=individual.pk),
        {"comment": "Add an example", "comment_competence_personal": "Which tools?", "comment_surname": "  "},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "You wrote comments for the learner" in page
    assert ">Add an example</textarea>" in page and ">Which tools?</textarea>" in page
    individual.refresh_from_db()
    assert individual.status == "submitted"


def test_the_review_page_has_accept_and_request_changes_in_one_form(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    page = login(organiser).get(url("review", org, pk=individual.pk)).content.decode()
    form = page[page.index('id="request-changes"') : page.index("</form>", page.index('id="request-changes"'))]
    assert f'formaction="{url("accept", org, pk=individual.pk)}"' in form and "Request changes" in form


def test_accepting_twice_says_it_is_not_a_submission(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("accept", org, pk=individual.pk), follow=True)
    assert "Only a submission can be accepted" in response.content.decode()


def test_request_changes_with_field_comments(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(
        url("request_changes", org, pk=individual.pk),
        {"comment": "Almost", "comment_tasks": "Name the café", "comment_nonsense": "x"},
    )
    assert response.status_code == 302
    individual.refresh_from_db()
    assert individual.status == "changes_requested"
    assert individual.review_comments == {"general": "Almost", "fields": {"tasks": "Name the café"}}


def test_request_changes_without_any_comment_is_refused(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("request_changes", org, pk=individual.pk), {"comment": ""}, follow=True)
    assert "write a comment" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == "submitted"


def test_the_timeline_shows_who_did_what(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    body = login(organiser).get(url("individual", org, pk=individual.pk)).content.decode()
    for text in (
        "Connect invitation sent",
        "Invited to edit",
        "Submitted",
        "organiser@acme.test",
        "learner@example.test",
    ):
        assert text in body


def test_generate_one_then_all_with_progress_and_zip(
    login, org, organiser, learner, other_learner, django_capture_on_commit_callbacks
):
    project = make_project(org)
    one = accepted(make_individual(project, "a@example.test"), learner, organiser)
    accepted(make_individual(project, "b@example.test", first_name="Bo"), other_learner, organiser)
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("individual_generate", org, pk=one.pk))
    assert Certificate.objects.get().pdf
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("project_generate", org, pk=project.pk), follow=True)
    # The first certificate is still right: only the second individual gets one.
    assert "1 certificate is being generated" in response.content.decode()
    assert Certificate.objects.filter(status="valid").count() == 2
    assert Certificate.objects.filter(status="superseded").count() == 0
    progress = client.get(url("progress", org, pk=project.pk)).content.decode()
    assert "2 certificates are ready" in progress and "hx-trigger" not in progress
    assert "Prepare a ZIP of all PDFs" in progress
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("project_zip_prepare", org, pk=project.pk), follow=True)
    assert "The ZIP is being prepared" in response.content.decode()
    page = client.get(url("project", org, pk=project.pk)).content.decode()
    assert "Download all PDFs (ZIP)" in page and "with 2 PDFs" in page
    response = client.get(url("project_zip", org, pk=project.pk))
    assert response["Content-Disposition"] == f'attachment; filename="certificates-{slugify(project.title)}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert archive.read(names[0]).startswith(b"%PDF")


def test_progress_polls_while_certificates_render(login, org, organiser, learner):
    project = make_project(org)
    individual = accepted(make_individual(project), learner, organiser)
    services.certificate_generate(individual=individual, generated_by=organiser)  # not rendered: no commit
    body = login(organiser).get(url("progress", org, pk=project.pk)).content.decode()
    assert "0 of 1 done" in body and 'hx-trigger="every 2s"' in body and "aria-live" in body


def test_the_zip_is_not_found_before_anything_rendered(login, org, organiser):
    project = make_project(org)
    assert login(organiser).get(url("project_zip", org, pk=project.pk)).status_code == 404


def test_revoke_from_the_individual_page(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    certificate = services.certificates._generate(individual, organiser)
    client = login(organiser)
    client.post(url("certificate_revoke", org, pk=certificate.pk), {"reason": "Wrong dates"})
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_reason == "Wrong dates"
    response = client.post(url("certificate_revoke", org, pk=certificate.pk), {"reason": "again"}, follow=True)
    assert "already revoked" in response.content.decode()


def test_the_organiser_home_tile_counts_submissions_awaiting_review(login, org, organiser, learner):
    submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    body = response.content.decode()
    assert "Certificates" in body and "awaiting review" in body
    tile = next(s for s in response.context["sections"] if s["section"].key == "certificates")
    assert dict(tile["figures"])["awaiting review"] == 1


def test_the_tile_summary_runs_two_small_queries(org, django_assert_num_queries):
    from certificates.selectors import org_summary

    # submissions awaiting review (counted up to the cap), projects
    with django_assert_num_queries(2):
        org_summary(org)


def test_the_tile_says_more_than_the_cap_instead_of_counting_every_submission(login, org, org_admin, monkeypatch):
    from certificates.models import Individual
    from certificates.tests.factories import make_project

    monkeypatch.setattr("learnerpass.lib.counts.COUNT_CAP", 3)
    monkeypatch.setattr("learnerpass.templatetags.learnerpass_tags.COUNT_CAP", 3)
    project = make_project(org)
    for n in range(5):
        Individual.objects.create(
            project=project, first_name="A", surname=f"B{n}", email=f"i{n}@example.test", status="submitted"
        )
    from certificates.selectors import org_summary

    [(_label, submitted), _projects] = org_summary(org)
    assert submitted == 4  # counted up to the cap and one more
    page = login(org_admin).get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert "<strong>3+</strong> awaiting review" in page


def test_learning_managers_do_not_see_the_tile(login, org, learning_manager):
    response = login(learning_manager).get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert all(s["section"].key != "certificates" for s in response.context["sections"])


def test_a_resubmission_shows_the_earlier_comments_beside_the_fields(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    services.individual_request_changes(
        individual=individual, requested_by=organiser, comment="Overall fine", field_comments={"tasks": "Be specific"}
    )
    individual.refresh_from_db()
    services.individual_submit(individual=individual, user=learner, data=full_data(tasks="Ran the café on Saturdays"))
    body = login(organiser).get(url("review", org, pk=individual.pk)).content.decode()
    assert 'Earlier comment: <bdi dir="auto">Be specific</bdi>' in body and "Overall fine" in body


def test_the_individual_page_offers_to_regenerate_once_a_certificate_exists(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    assert "Generate certificate" in client.get(url("individual", org, pk=individual.pk)).content.decode()
    certificate = services.certificates._generate(individual, organiser)
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert "Regenerate certificate" in page and "Generate certificate<" not in page
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Wrong dates")
    assert "Generate certificate<" in client.get(url("individual", org, pk=individual.pk)).content.decode()


def test_the_individual_page_polls_while_a_certificate_renders(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    certificate = services.certificates._generate(individual, organiser)  # queued, not rendered yet
    client = login(organiser)
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Rendering" in page
    services.certificate_render(certificate_id=certificate.pk)
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert 'hx-trigger="every 2s"' not in page
    assert url("certificate_download", org, pk=certificate.pk) in page


def test_the_individual_page_names_the_connected_account_and_can_disconnect_it(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert "Account: learner@example.test" in page
    assert url("individual_disconnect", org, pk=individual.pk) in page
    response = client.post(url("individual_disconnect", org, pk=individual.pk), follow=True)
    assert "The account was disconnected" in response.content.decode()
    individual.refresh_from_db()
    assert individual.user is None
    response = client.post(url("individual_disconnect", org, pk=individual.pk), follow=True)
    assert "No account is connected." in response.content.decode()


def test_the_review_says_when_nothing_changed(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    services.individual_invite_to_edit(individual=individual, invited_by=organiser)
    individual.refresh_from_db()
    services.individual_submit(individual=individual, user=learner, data=individual.accepted_data)
    client = login(organiser)
    assert (
        "Nothing changed since the accepted data." in client.get(url("review", org, pk=individual.pk)).content.decode()
    )
    other = submitted(make_individual(make_project(org), "other@example.test"), learner, organiser)
    assert "Nothing changed" not in client.get(url("review", org, pk=other.pk)).content.decode()


def test_the_country_list_follows_the_language_of_the_request():
    from django.utils import translation

    from certificates.forms import IndividualForm

    with translation.override("fr"):
        choices = dict(IndividualForm().fields["country"].choices)
    assert choices["DE"] == "Allemagne"
