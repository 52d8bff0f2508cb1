"""The project page's rows, rendered in Python, say what the template partials say (certificates/views/rows.py)."""

import re
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from certificates import services
from certificates.models import Certificate
from certificates.tests.factories import accepted, editing, make_individual, make_project, submitted
from certificates.views.rows import IndividualRows
from outbox.models import Email

# The row as the project page wrote it before it was rendered in Python.
TEMPLATE_ROW = """{% load i18n %}{% for i in individuals %}
  <tr>
    <td><input class="form-check-input" type="checkbox" name="ids" value="{{ i.pk }}" form="bulk-form" id="pick-{{ i.pk }}" aria-label="{% blocktranslate with name=i.full_name %}Select {{ name }}{% endblocktranslate %}"></td>
    <th scope="row"><a href="{% url 'certificates:individual' request.org.slug i.pk %}"><bdi dir="auto">{{ i.full_name }}</bdi></a><div class="small text-body-secondary fw-normal text-break">{{ i.email }}</div></th>
    <td data-label="{% translate 'Role' %}">{{ i.get_role_display }}</td>
    <td data-label="{% translate 'Status' %}">{% include "certificates/_status.html" with status=i.status label=i.get_status_display %}{% include "certificates/_deadline.html" %}</td>
    <td data-label="{% translate 'Account' %}">{% include "certificates/_account.html" %}</td>
    <td data-label="{% translate 'Last email' %}">{% include "outbox/_status.html" with email=i.email_status %}</td>
    <td data-label="{% translate 'Certificate' %}">{% if i.certificate %}{% if i.certificate.pdf %}<span class="badge text-bg-success">{{ i.certificate.get_status_display }}</span>{% elif i.certificate.render_error %}<span class="badge text-bg-danger">{% translate "Failed" %}</span>{% else %}<span class="badge text-bg-secondary">{% translate "Rendering" %}</span>{% endif %}{% else %}–{% endif %}</td>
    <td>{% include "certificates/_individual_actions.html" %}</td>
  </tr>
{% endfor %}"""  # noqa: E501


def _squeeze(html: str) -> str:
    """Markup with the template's layout whitespace gone: runs of spaces as one, none between tags."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).replace("> ", ">").replace(" <", "<").strip()


def _both(individuals, org) -> tuple[str, str]:
    request = RequestFactory().get("/o/x/projects/1/?q=a&status=b")
    request.org = org
    csrf = "t0ken&"
    template = Template(TEMPLATE_ROW).render(
        Context({"individuals": individuals, "request": request, "csrf_token": csrf})
    )
    rows = IndividualRows(
        org_slug=org.slug,
        csrf_input=mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf.replace("&", "&amp;")}">'),
        next_url=request.get_full_path(),
    ).render(individuals)
    return _squeeze(template), _squeeze(rows)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_state_of_a_row_renders_as_the_templates_did(org, organiser, learner, language):
    project = make_project(org)
    plain = make_individual(project, email="plain@example.test", first_name='<b>"Zoé"</b>', surname="O'Brien & Co")
    connect_sent = make_individual(project, email="sent@example.test")
    services.individual_send_connect(individual=connect_sent, sent_by=organiser)
    writing = make_individual(project, email="writing@example.test")
    editing(writing, learner, organiser, message="Tell us <all> about it")
    writing.edit_deadline = date.today() + timedelta(days=3)
    writing.save(update_fields=["edit_deadline"])
    late_learner = type(learner).objects.create_user(username="late", email="late@example.test")
    late = make_individual(project, email="late@example.test")
    editing(late, late_learner, organiser)
    late.edit_deadline = date.today() - timedelta(days=2)
    late.save(update_fields=["edit_deadline"])
    waiting_learner = type(learner).objects.create_user(username="waiting", email="waiting@example.test")
    waiting = submitted(make_individual(project, email="waiting@example.test"), waiting_learner, organiser)
    done_learner = type(learner).objects.create_user(username="done", email="done@example.test")
    done = accepted(make_individual(project, email="done@example.test"), done_learner, organiser)
    individuals = [plain, connect_sent, writing, late, waiting, done, done]
    emails = [
        None,
        Email(status=Email.Status.SENT, sent_at=timezone.now()),
        Email(status=Email.Status.FAILED, last_error='refused <"x">'),
        Email(status=Email.Status.QUEUED, last_error="451 later", next_attempt_at=timezone.now()),
        Email(status=Email.Status.QUEUED),
        None,
        None,
    ]
    certificates = [None, None, None, None, None, Certificate(status=Certificate.Status.VALID, pdf="x.pdf"), None]
    for individual, email, certificate in zip(individuals, emails, certificates, strict=True):
        individual.refresh_from_db()
        individual.email_status = email
        individual.certificate = certificate
    rendering = Certificate(status=Certificate.Status.VALID)
    failed = Certificate(status=Certificate.Status.VALID, render_error="boom")
    with translation.override(language):
        for certificate in (None, rendering, failed):
            individuals[-1].certificate = certificate
            template, rows = _both(individuals, org)
            assert rows == template
    assert "&lt;b&gt;&quot;Zoé&quot;&lt;/b&gt;" in rows and "O&#x27;Brien &amp; Co" in rows
    assert "Tell us &lt;all&gt; about it" in rows
