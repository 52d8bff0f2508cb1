"""The run tabs' rows, rendered in Python (programs_rows), match the template markup they replaced."""

import re
from datetime import timedelta

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from conftest import make_user
from outbox.models import Email
from outbox.selectors import latest_emails_for
from programs import selectors
from programs.models import Enrolment, Invitation, InvitationRun
from programs.tests.helpers import invite

# The loops of run_invitations.html and run_enrolled.html as they were, through the partials.
INVITATION_LOOP = """{% load i18n %}{% for inv in invitations %}
  <tr>
    <td>{% if inv.effective_status == "pending" %}<input class="form-check-input" type="checkbox" name="invitation" value="{{ inv.pk }}" form="bulk-cancel" aria-label="{% blocktranslate with id=inv.external_learner_id %}Select the invitation of {{ id }}{% endblocktranslate %}">{% endif %}</td>
    <td><a href="{% url 'programs:invitation_detail' request.org.slug program.pk inv.pk %}">{{ inv.external_learner_id }}</a></td>
    <td>{{ inv.email }}</td>
    <td>{% for item in inv.invitation_runs.all %}<code>{{ item.run.code }}</code>{% if not forloop.last %}, {% endif %}{% endfor %}</td>
    <td>{{ inv.valid_until|date:"Y-m-d H:i" }}</td>
    <td>{% include "programs/_status.html" %}</td>
    <td>{% include "outbox/_status.html" with email=inv.email_status %}</td>
    <td class="text-end">{% include "programs/_invitation_actions.html" %}</td>
  </tr>
  {% endfor %}"""
ENROLLED_LOOP = """{% load i18n %}{% for enrolment in enrolments %}
  <tr><td class="text-break">{{ enrolment.external_learner_id }}</td><td class="text-break">{{ enrolment.user.email }}</td><td>{{ enrolment.get_source_display }}</td><td>{{ enrolment.created_at|date:"Y-m-d H:i" }}</td>
    <td class="text-end"><a class="btn btn-sm btn-outline-danger" href="{% url 'programs:enrolment_unenrol' request.org.slug program.pk run.pk enrolment.pk %}">{% translate "Unenrol" %}<span class="visually-hidden"> {{ enrolment.external_learner_id }}</span></a></td></tr>
  {% endfor %}"""
UNENROLLED_LOOP = """{% for enrolment in enrolments %}
  <tr><td class="text-break">{{ enrolment.external_learner_id }}</td><td class="text-break">{{ enrolment.user.email }}</td><td>{{ enrolment.unenrolled_at|date:"Y-m-d H:i" }}</td><td class="text-break">{{ enrolment.unenrolled_by.email|default:"—" }}</td><td class="pre-wrap">{{ enrolment.unenrol_reason }}</td></tr>
  {% endfor %}"""


def render_both(org, loop, tag, *, new_context=None, **context):
    """The old loop and the new tag rendered on one request (the tag given new_context where it differs)."""
    request = RequestFactory().get("/somewhere/?q=a%26b&status=pending")
    request.org = org
    old = Template(loop).render(RequestContext(request, context))
    new = Template("{% load programs_rows %}" + tag).render(RequestContext(request, {**context, **(new_context or {})}))
    # Each rendering masks the CSRF secret afresh.
    return tuple(
        re.sub(r'csrfmiddlewaretoken" value="\w+"', 'csrfmiddlewaretoken" value=""', html) for html in (old, new)
    )


@pytest.fixture
def invitations_in_every_state(program, run, run2):
    now = timezone.now()
    states = [
        {},  # pending, link emailed
        {"status": Invitation.Status.CANCELED},
        {"status": Invitation.Status.ACCEPTED},
        {"status": Invitation.Status.EXPIRED},
        {"valid_until": now - timedelta(days=1)},  # pending past its expiry: shown as expired
        {"expires_at": now - timedelta(days=1)},  # the link expired, the invitation not yet
        {"external_learner_id": "x<b>&\"'y", "email": "a+b&c@example.test"},
        {"external_learner_id": "z<i>", "status": Invitation.Status.CANCELED},
    ]
    emails = [
        {"status": "failed", "last_error": '<oops> & "q"'},
        {"status": "queued", "last_error": "temporary <failure>", "next_attempt_at": now + timedelta(hours=1)},
        {"status": "queued", "last_error": "without a next attempt"},
        {"status": "queued"},
        {"status": "sent", "sent_at": now},
        None,  # no email at all
        {"context": {"url": 'https://example.test/i/a"b<c>&d'}},
        {},
    ]
    for i, (fields, email) in enumerate(zip(states, emails, strict=True)):
        invitation, _token = invite(
            program, [run] if i % 2 else [run, run2], ext=f"S{i:03d}", email=f"l{i}@example.test"
        )
        Invitation.objects.filter(pk=invitation.pk).update(**fields)
        mails = Email.objects.filter(ref_type="programs.invitation", ref_id=invitation.pk)
        if email is None:
            mails.delete()
        else:
            mails.update(**email)
    # As the template loop read them (runs prefetched, whole Email rows), and as the tab now reads them.
    old = list(selectors.run_invitations(run))
    emails = latest_emails_for(old, with_context=True)
    for invitation in old:
        invitation.email_status = emails.get(invitation.pk)
        invitation.link = emails[invitation.pk].context.get("url", "") if invitation.pk in emails else ""
    new = selectors.with_email_status(selectors.with_run_codes(list(selectors.run_invitations(run, listing=True))))
    return old, new


@pytest.mark.parametrize("language", ["en", "fr"])
def test_invitation_rows_are_the_markup_of_the_template_loop_they_replaced(
    org, program, run, invitations_in_every_state, language
):
    with translation.override(language):
        old, new = render_both(
            org,
            INVITATION_LOOP,
            "{% invitation_rows invitations %}",
            invitations=invitations_in_every_state[0],
            new_context={"invitations": invitations_in_every_state[1]},
            program=program,
        )
    assert InvitationRun.objects.filter(run=run).count() == 8
    assert new.count("csrfmiddlewaretoken") == 6  # resend and cancel of three pending invitations
    assert "&lt;oops&gt; &amp; &quot;q&quot;" in new and "x&lt;b&gt;&amp;&quot;&#x27;y" in new
    assert new == old


@pytest.mark.parametrize("language", ["en", "fr"])
def test_enrolled_rows_are_the_markup_of_the_template_loops_they_replaced(
    org, program, run, learning_manager, language
):
    for i, (ext, source) in enumerate([('0<b>&"x', "direct"), ("E002", "invitation"), ("E003", "direct")]):
        user = make_user(f"enrolled{i}@example.test")
        Enrolment.objects.create(organisation=org, run=run, user=user, external_learner_id=ext, source=source)
    Enrolment.objects.filter(external_learner_id="E002").update(
        unenrolled_at=timezone.now(), unenrolled_by=learning_manager, unenrol_reason="left <b>\nline 2 & more"
    )
    Enrolment.objects.filter(external_learner_id="E003").update(unenrolled_at=timezone.now(), unenrol_reason="")
    with translation.override(language):
        on_run = list(selectors.run_enrolments(run, listing=True))
        old, new = render_both(
            org, ENROLLED_LOOP, "{% enrolment_rows enrolments False %}", enrolments=on_run, program=program, run=run
        )
        assert new == old and "0&lt;b&gt;&amp;&quot;x" in new
        off_run = list(selectors.run_enrolments(run, unenrolled=True, listing=True))
        old, new = render_both(
            org, UNENROLLED_LOOP, "{% enrolment_rows enrolments True %}", enrolments=off_run, program=program, run=run
        )
        assert len(off_run) == 2 and "—" in new
        assert new == old
