import pytest
from django.urls import reverse

from conftest import make_user
from programs.tests.helpers import invite

MODELS = [
    "program",
    "programrun",
    "programlearneradmin",
    "learnerlink",
    "invitation",
    "invitationrun",
    "enrolment",
    "importbatch",
    "importbatchrows",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_searchable_admin_list(client, program, run, model):
    invite(program, [run])
    client.force_login(make_user("root@example.test", is_staff=True, is_superuser=True))
    response = client.get(reverse(f"admin:programs_{model}_changelist"), {"q": "S001"})
    assert response.status_code == 200


def test_the_enrolment_list_filters_unenrolled_learners(client, org, run, learner):
    from django.utils import timezone

    from programs.models import Enrolment

    Enrolment.objects.create(organisation=org, run=run, user=learner, external_learner_id="ON", source="direct")
    Enrolment.objects.create(
        organisation=org,
        run=run,
        user=make_user("gone@example.test"),
        external_learner_id="GONE",
        source="direct",
        unenrolled_at=timezone.now(),
        unenrol_reason="Left",
    )
    client.force_login(make_user("root@example.test", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:programs_enrolment_changelist"), {"unenrolled": "yes"}).content.decode()
    assert "GONE" in page and ">ON<" not in page
