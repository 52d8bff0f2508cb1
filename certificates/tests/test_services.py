"""The individual's state machine: every transition and every refused one."""

import pytest
from django.template.loader import render_to_string

from certificates import services
from certificates.models import AuditEntry, Certificate, Individual, IndividualInvitation
from certificates.services import CertificatesError
from certificates.tests.factories import (
    accepted,
    editing,
    full_data,
    make_individual,
    make_project,
    submitted,
)
from jobs.models import Job
from outbox.models import Email

pytestmark = pytest.mark.django_db
Status = Individual.Status


@pytest.fixture
def individual(org):
    return make_individual(make_project(org))


def actions(individual):
    return list(individual.audit_entries.order_by("id").values_list("action", flat=True))


def test_a_new_individual_is_not_invited_and_its_accepted_data_holds_the_name(org, organiser):
    individual = services.individual_create(
        project=make_project(org),
        first_name=" Lea ",
        surname="Martin",
        email="Lea@Example.TEST",
        country="FR",
        role=Individual.Role.PARTICIPANT,
        created_by=organiser,
    )
    assert individual.status == Status.NOT_INVITED
    assert individual.email == "lea@example.test"
    assert individual.accepted_data["first_name"] == "Lea"
    assert actions(individual) == ["created"]


def test_the_same_email_cannot_be_added_twice_to_a_project(org, organiser, individual):
    with pytest.raises(CertificatesError, match="already in this project"):
        services.individual_create(
            project=individual.project,
            first_name="A",
            surname="B",
            email="LEARNER@example.test",
            country="FR",
            role="participant",
            created_by=organiser,
        )


def test_sending_the_connect_invitation_emails_a_single_use_link(organiser, individual):
    invitation = services.individual_send_connect(individual=individual, sent_by=organiser)
    individual.refresh_from_db()
    assert individual.connect_sent_at is not None
    assert invitation.kind == "connect" and invitation.status == "pending"
    email = Email.objects.get(kind="certificates_connect")
    assert email.to == "learner@example.test"
    assert "/certificates/connect/" in email.context["url"]
    token = email.context["url"].rsplit("/connect/", 1)[1].strip("/")
    assert len(token) >= 43 and IndividualInvitation.by_token(token).get() == invitation


def test_resending_the_connect_invitation_cancels_the_earlier_link(organiser, individual):
    first = services.individual_send_connect(individual=individual, sent_by=organiser)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    first.refresh_from_db()
    assert first.status == IndividualInvitation.Status.CANCELED


def test_a_connected_individual_gets_no_second_connect_invitation(organiser, learner, individual):
    individual.user = learner
    individual.save()
    with pytest.raises(CertificatesError, match="already connected"):
        services.individual_send_connect(individual=individual, sent_by=organiser)


def test_invite_to_edit_needs_the_connect_invitation_first(organiser, individual):
    with pytest.raises(CertificatesError, match="connect invitation first"):
        services.individual_invite_to_edit(individual=individual, invited_by=organiser)
    individual.refresh_from_db()
    assert individual.status == Status.NOT_INVITED


def test_invite_to_edit_opens_the_data_and_emails_the_message(organiser, learner, individual):
    individual = editing(individual, learner, organiser, message="Deadline: 1 June. Read the guide.")
    assert individual.status == Status.EDITING
    assert individual.edit_message == "Deadline: 1 June. Read the guide."
    assert individual.draft_data["first_name"] == "Lea"
    email = Email.objects.get(kind="certificates_edit")
    from outbox.services import render_email

    subject, text, html = render_email(email)
    assert "Deadline: 1 June" in text and "Deadline: 1 June" in html
    assert "/certificates/edit/" in text
    assert actions(individual)[-1] == "edit_invited"


def test_following_a_link_connects_the_account_once(organiser, learner, individual):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    invitation = IndividualInvitation.objects.get()
    raw = invitation.issue_token()
    invitation.save()
    connected = services.invitation_use(token=raw, user=learner)
    assert connected.user == learner
    assert "connected" in actions(connected)
    with pytest.raises(CertificatesError, match="already been used"):
        services.invitation_use(token=raw, user=learner)


def test_a_link_for_an_individual_connected_to_someone_else_is_refused(organiser, learner, other_learner, individual):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    invitation = IndividualInvitation.objects.get()
    raw = invitation.issue_token()
    invitation.save()
    individual.user = other_learner
    individual.save()
    with pytest.raises(CertificatesError, match="another account"):
        services.invitation_use(token=raw, user=learner)


def test_expired_and_canceled_links_are_refused(organiser, learner, individual):
    from datetime import timedelta

    from django.utils import timezone

    services.individual_send_connect(individual=individual, sent_by=organiser)
    invitation = IndividualInvitation.objects.get()
    raw = invitation.issue_token()
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    with pytest.raises(CertificatesError, match="expired"):
        services.invitation_use(token=raw, user=learner)
    invitation.expires_at = timezone.now() + timedelta(days=1)
    invitation.status = IndividualInvitation.Status.CANCELED
    invitation.save()
    with pytest.raises(CertificatesError, match="replaced"):
        services.invitation_use(token=raw, user=learner)
    with pytest.raises(CertificatesError, match="not valid"):
        services.invitation_use(token="nonsense", user=learner)


def test_the_learner_saves_drafts_while_editing(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    saved = services.individual_save_draft(individual=individual, user=learner, data=full_data())
    assert saved.draft_data["competence_personal"]
    assert saved.accepted_data["competence_personal"] == ""
    assert saved.draft_saved_at is not None


def test_someone_else_cannot_save_the_learners_draft(organiser, learner, other_learner, individual):
    individual = editing(individual, learner, organiser)
    with pytest.raises(CertificatesError, match="someone else"):
        services.individual_save_draft(individual=individual, user=other_learner, data=full_data())


def test_a_draft_cannot_be_saved_before_the_invitation_to_edit(learner, individual):
    individual.user = learner
    individual.save()
    with pytest.raises(CertificatesError, match="not open for editing"):
        services.individual_save_draft(individual=individual, user=learner, data=full_data())


def test_submitting_locks_the_data_and_notifies_the_organisers(
    organiser, org_admin, learning_manager, learner, individual
):
    individual = submitted(individual, learner, organiser)
    assert individual.status == Status.SUBMITTED
    assert individual.submitted_data == full_data()
    assert set(Email.objects.filter(kind="certificates_submitted").values_list("to", flat=True)) == {
        "organiser@acme.test",
        "admin@acme.test",
    }
    with pytest.raises(CertificatesError, match="not open for editing"):
        services.individual_save_draft(individual=individual, user=learner, data=full_data(tasks="more"))
    with pytest.raises(CertificatesError):
        services.individual_submit(individual=individual, user=learner, data=full_data())


def test_the_organiser_accepts_a_submission(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    assert individual.status == Status.ACCEPTED
    assert individual.accepted_data == full_data()
    assert Email.objects.filter(kind="certificates_accepted", to="learner@example.test").exists()
    assert actions(individual)[-1] == "accepted"


@pytest.mark.parametrize("status", [Status.NOT_INVITED, Status.EDITING, Status.CHANGES_REQUESTED, Status.ACCEPTED])
def test_accept_and_request_changes_are_refused_unless_submitted(organiser, individual, status):
    Individual.objects.filter(pk=individual.pk).update(status=status)
    with pytest.raises(CertificatesError):
        services.individual_accept(individual=individual, accepted_by=organiser)
    with pytest.raises(CertificatesError):
        services.individual_request_changes(
            individual=individual, requested_by=organiser, comment="x", field_comments={}
        )
    individual.refresh_from_db()
    assert individual.status == status
    assert not AuditEntry.objects.filter(individual=individual, action__in=["accepted", "changes_requested"]).exists()


def test_requesting_changes_reopens_the_data_with_comments_and_emails_the_learner(organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    individual = services.individual_request_changes(
        individual=individual,
        requested_by=organiser,
        comment="Nearly there.",
        field_comments={"competence_personal": "Give an example.", "bogus": "ignored"},
    )
    assert individual.status == Status.CHANGES_REQUESTED
    assert individual.review_comments == {
        "general": "Nearly there.",
        "fields": {"competence_personal": "Give an example."},
    }
    assert individual.draft_data == full_data()
    from outbox.services import render_email

    _, text, html = render_email(Email.objects.get(kind="certificates_changes_requested"))
    assert "Give an example." in text and "Nearly there." in html
    assert f"/me/certificates/{individual.public_id}/" in text


def test_requesting_changes_needs_a_comment(organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    with pytest.raises(CertificatesError, match="comment"):
        services.individual_request_changes(
            individual=individual, requested_by=organiser, comment=" ", field_comments={"tasks": ""}
        )


def test_rounds_repeat_until_accepted(organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    individual = services.individual_request_changes(
        individual=individual, requested_by=organiser, comment="More please", field_comments={}
    )
    individual = services.individual_save_draft(individual=individual, user=learner, data=full_data(tasks="Better"))
    assert individual.status == Status.EDITING
    individual = services.individual_submit(individual=individual, user=learner, data=full_data(tasks="Best"))
    individual = services.individual_accept(individual=individual, accepted_by=organiser)
    assert individual.accepted_data["tasks"] == "Best"
    assert actions(individual)[-5:] == ["submitted", "changes_requested", "editing", "submitted", "accepted"]


def test_the_organiser_cannot_edit_while_the_learner_holds_the_data(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    details = {
        "first_name": "X",
        "surname": "Y",
        "email": "learner@example.test",
        "country": "DE",
        "role": "participant",
    }
    with pytest.raises(CertificatesError, match="editing this data"):
        services.individual_update(individual=individual, updated_by=organiser, details=details, data=full_data())


def test_the_organiser_edits_accepted_data_when_the_learner_does_not_hold_it(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    details = {
        "first_name": "Léa",
        "surname": "Martin",
        "email": "learner@example.test",
        "country": "BE",
        "role": "participant",
    }
    individual = services.individual_update(
        individual=individual, updated_by=organiser, details=details, data=full_data(first_name="Léa")
    )
    assert individual.accepted_data["first_name"] == "Léa"
    assert individual.country.code == "BE"
    assert AuditEntry.objects.filter(individual=individual, action="updated").get().detail == {"fields": ["first_name"]}


def test_correcting_the_email_kills_the_links_sent_to_the_old_address(organiser, learner, individual):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    link = IndividualInvitation.objects.get(individual=individual)
    raw = link.issue_token()
    link.save()
    details = {"first_name": "Lea", "surname": "Martin", "email": "Lea.Real@example.test", "country": "FR"}
    individual = services.individual_update(
        individual=individual, updated_by=organiser, details={**details, "role": "participant"}, data={}
    )
    link.refresh_from_db()
    assert link.status == IndividualInvitation.Status.CANCELED
    # Not connected yet: the organiser sends a fresh connect invitation to the right address first.
    assert individual.connect_sent_at is None and individual.email == "lea.real@example.test"
    with pytest.raises(CertificatesError, match="replaced by a newer one"):
        services.invitation_use(token=raw, user=learner)
    entry = AuditEntry.objects.filter(individual=individual, action="updated").get()
    assert entry.detail["previous_email"] == "learner@example.test"
    assert entry.detail["email"] == "lea.real@example.test"
    timeline = render_to_string("certificates/_timeline.html", {"entries": [entry]})
    assert "Email learner@example.test → lea.real@example.test; links sent earlier no longer work." in timeline


def test_an_accepted_individual_can_be_invited_to_edit_again(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    services.individual_invite_to_edit(individual=individual, invited_by=organiser)
    individual.refresh_from_db()
    assert individual.status == Status.EDITING
    assert individual.draft_data == full_data()


def test_a_submitted_individual_cannot_be_invited_to_edit(organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    with pytest.raises(CertificatesError, match="review the submission"):
        services.individual_invite_to_edit(individual=individual, invited_by=organiser)


def test_generating_needs_accepted_data(organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    with pytest.raises(CertificatesError, match="accepted"):
        services.certificate_generate(individual=individual, generated_by=organiser)
    assert not Certificate.objects.exists()


def test_generating_renders_the_pdf_after_commit_and_regenerating_supersedes(
    organiser, learner, individual, django_capture_on_commit_callbacks
):
    individual = accepted(individual, learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.certificate_generate(individual=individual, generated_by=organiser)
    first.refresh_from_db()
    assert first.pdf and first.status == Certificate.Status.VALID
    assert first.data["holder"] == "Lea Martin"
    with django_capture_on_commit_callbacks(execute=True):
        second = services.certificate_generate(individual=individual, generated_by=organiser)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Certificate.Status.SUPERSEDED
    assert second.status == Certificate.Status.VALID and second.pdf
    assert first.code != second.code


def test_rendering_twice_renders_once(organiser, learner, individual, django_capture_on_commit_callbacks):
    individual = accepted(individual, learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    certificate.refresh_from_db()
    name = certificate.pdf.name
    assert services.certificate_render(certificate_id=certificate.pk) is False
    certificate.refresh_from_db()
    assert certificate.pdf.name == name


def test_a_render_failure_is_recorded_for_the_organiser_and_counted_by_the_job(
    organiser, learner, individual, monkeypatch, django_capture_on_commit_callbacks
):
    from certificates import pdf

    def broken(certificate):
        raise RuntimeError("font missing")

    monkeypatch.setattr(pdf, "render_certificate_pdf", broken)
    individual = accepted(individual, learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    certificate.refresh_from_db()
    assert "font missing" in certificate.render_error and not certificate.pdf
    job = Job.objects.get(kind="certificates.render")
    assert job.state == Job.State.SUCCEEDED
    assert job.counts == {"failed": 1}
    assert job.reasons == {"failed": {"The PDF could not be rendered (RuntimeError).": 1}}


def test_generating_for_the_project_covers_every_accepted_individual(
    org, organiser, learner, other_learner, django_capture_on_commit_callbacks
):
    project = make_project(org)
    one = accepted(make_individual(project, "a@example.test"), learner, organiser)
    accepted(make_individual(project, "b@example.test"), other_learner, organiser)
    make_individual(project, "c@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        certificates = services.certificates_generate_for_project(project=project, generated_by=organiser)
    assert len(certificates) == 2
    assert all(c.pdf for c in Certificate.objects.all())
    assert {c.individual_id for c in certificates} >= {one.pk}


def test_generating_for_a_project_without_accepted_individuals_is_refused(org, organiser, individual):
    with pytest.raises(CertificatesError, match="No individual"):
        services.certificates_generate_for_project(project=individual.project, generated_by=organiser)


def test_revoking_needs_a_reason_and_happens_once(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    certificate = services.certificates._generate(individual, organiser)
    with pytest.raises(CertificatesError, match="reason"):
        services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason=" ")
    certificate = services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Issued in error")
    assert certificate.status == Certificate.Status.REVOKED
    with pytest.raises(CertificatesError, match="already revoked"):
        services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="again")
    assert actions(individual)[-1] == "certificate_revoked"


def test_certificate_codes_are_long_grouped_and_unambiguous():
    from certificates.models import CODE_ALPHABET, new_certificate_code, normalise_code

    codes = {new_certificate_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == 19 and code.count("-") == 3
    assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(code)
    assert normalise_code(code.lower().replace("-", " ")) == code


def test_a_certificate_superseded_before_its_turn_is_not_rendered(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    first = services.certificates._generate(individual, organiser)
    services.certificates._generate(individual, organiser)
    assert services.certificate_render(certificate_id=first.pk) is False
    first.refresh_from_db()
    assert not first.pdf


def test_a_certificate_superseded_while_it_renders_keeps_no_pdf(organiser, learner, individual, monkeypatch):
    individual = accepted(individual, learner, organiser)
    first = services.certificates._generate(individual, organiser)

    def render_while_the_organiser_regenerates(certificate):
        services.certificates._generate(individual, organiser)
        return b"%PDF-1.7 rendered too late"

    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", render_while_the_organiser_regenerates)
    assert services.certificate_render(certificate_id=first.pk) is False
    first.refresh_from_db()
    assert first.status == Certificate.Status.SUPERSEDED and not first.pdf


def test_disconnecting_a_wrong_account_drops_its_writing_and_its_links(organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    services.individual_save_draft(individual=individual, user=learner, data=full_data(first_name="Stranger"))
    individual = services.individual_disconnect(individual=individual, disconnected_by=organiser)
    assert individual.user is None and individual.status == Individual.Status.NOT_INVITED
    assert individual.draft_data == {} and individual.connect_sent_at is None
    assert not IndividualInvitation.objects.filter(individual=individual, status="pending").exists()
    entry = AuditEntry.objects.filter(individual=individual, action="disconnected").get()
    assert entry.detail == {"email": learner.email, "previous": "editing"} and entry.actor == organiser
    with pytest.raises(CertificatesError, match="No account is connected"):
        services.individual_disconnect(individual=individual, disconnected_by=organiser)


def test_disconnecting_keeps_what_was_accepted(organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    individual = services.individual_disconnect(individual=individual, disconnected_by=organiser)
    assert individual.status == Individual.Status.ACCEPTED and individual.user is None
    assert individual.accepted_data["competence_personal"]
    assert not Individual.objects.filter(user=learner).exists()
