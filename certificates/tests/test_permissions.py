"""Every organiser URL of the certificates app × every role."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.tests.factories import accepted, make_individual, make_project

pytestmark = pytest.mark.django_db

PROJECT_URLS = {
    "project": "get",
    "project_edit": "get",
    "individual_add": "get",
    "individuals_import": "get",
    "individuals_import_template": "get",
    "individuals_import_errors": "get",
    "project_generate": "post",
    "project_replace": "get",
    "individuals_bulk": "post",
    "progress": "get",
    "project_zip": "get",
    "project_zip_prepare": "post",
}
INDIVIDUAL_URLS = {
    "individual": "get",
    "individual_edit": "get",
    "individual_connect": "post",
    "individual_invite": "post",
    "individual_remind": "post",
    "individual_disconnect": "post",
    "individual_delete": "post",
    "review": "get",
    "accept": "post",
    "request_changes": "post",
    "individual_generate": "post",
}
CERTIFICATE_URLS = {"certificate_revoke": "post", "certificate_download": "get"}
ORG_URLS = {"projects": "get", "project_create": "get"}
ALL = {**ORG_URLS, **PROJECT_URLS, **INDIVIDUAL_URLS, **CERTIFICATE_URLS}
POST_ONLY = sorted(name for name, method in ALL.items() if method == "post")


@pytest.fixture
def targets(org, org_admin, other_learner, django_capture_on_commit_callbacks):
    project = make_project(org)
    individual = accepted(make_individual(project), other_learner, org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_zip_start(project=project, started_by=org_admin)
    return {"project": project, "individual": individual, "certificate": certificate}


def url_for(name, org, targets):
    kwargs = {"org_slug": org.slug}
    if name in PROJECT_URLS:
        kwargs["pk"] = targets["project"].pk
    elif name in INDIVIDUAL_URLS:
        kwargs["pk"] = targets["individual"].pk
    elif name in CERTIFICATE_URLS:
        kwargs["pk"] = targets["certificate"].pk
    return reverse(f"certificates:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("who", ["anonymous", "outsider", "learner", "learning_manager", "organiser", "org_admin"])
def test_role_matrix(request, client, org, targets, name, who):
    path = url_for(name, org, targets)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.post(path) if ALL[name] == "post" else client.get(path)
    response.close()
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in {"outsider", "learner"}:
        assert response.status_code == 404
    elif who == "learning_manager":
        assert response.status_code == 403
    else:
        assert response.status_code in {200, 302}


@pytest.mark.parametrize("name", POST_ONLY)
def test_mutations_refuse_get(login, org, organiser, targets, name):
    assert login(organiser).get(url_for(name, org, targets)).status_code == 405


@pytest.mark.parametrize("name", sorted(set(ALL) - set(ORG_URLS)))
def test_another_organisations_objects_are_not_found_through_ones_own_organisation(
    login, org, other_org, outsider, targets, name
):
    # The outsider is admin of other_org and asks for org's objects under their own slug.
    path = url_for(name, other_org, targets)
    client = login(outsider)
    response = client.post(path) if ALL[name] == "post" else client.get(path)
    assert response.status_code == 404
