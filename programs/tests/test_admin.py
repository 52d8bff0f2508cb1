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
