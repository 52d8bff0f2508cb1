from django.urls import reverse


def home(client, org):
    return client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()


def test_a_program_learner_admin_sees_the_programs_tile(login, org, program_admin):
    assert reverse("programs:list", kwargs={"org_slug": org.slug}) in home(login(program_admin), org)


def test_an_organiser_without_a_program_role_does_not_see_it(login, org, organiser):
    assert reverse("programs:list", kwargs={"org_slug": org.slug}) not in home(login(organiser), org)


def test_a_learning_manager_sees_it(login, org, learning_manager):
    assert reverse("programs:list", kwargs={"org_slug": org.slug}) in home(login(learning_manager), org)
