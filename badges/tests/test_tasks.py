"""Organisers add, edit, reorder and delete a badge's tasks; every change is in the badge's history."""

import pytest
from django.urls import reverse

from badges import services
from badges.models import BadgeEvent, Task
from badges.tests.conftest import add_task


def history(badge) -> list[tuple[str, str]]:
    return list(
        BadgeEvent.objects.filter(badge=badge, action__startswith="task_")
        .order_by("id")
        .values_list("action", "detail")
    )


def url(org, badge, name, task=None, **extra):
    kwargs = {"org_slug": org.slug, "public_id": badge.public_id, **extra}
    if task is not None:
        kwargs["pk"] = task.pk
    return reverse(f"badges:{name}", kwargs=kwargs)


def test_adding_a_task_is_in_the_history(badge, organiser):
    add_task(badge, organiser, title="Plan the route")

    event = BadgeEvent.objects.get(action=BadgeEvent.Action.TASK_ADDED)
    assert (event.actor, event.badge) == (organiser, badge)
    assert event.detail == "Plan the route (Text, Organiser review)"


def test_a_task_is_edited_and_the_history_says_what_changed(badge, organiser):
    task = add_task(badge, organiser, title="Plan")

    services.task_update(
        task=task,
        user=organiser,
        data={"title": "Plan the route", "description": "Where, when, who.", "approval": Task.Approval.PEER},
    )

    task.refresh_from_db()
    assert (task.title, task.description, task.approval) == ("Plan the route", "Where, when, who.", "peer")
    assert history(badge)[-1] == (
        "task_edited",
        "Plan the route (Text, Peer review): approval, description, title",
    )


def test_saving_a_task_unchanged_writes_no_history(badge, organiser):
    task = add_task(badge, organiser, title="Plan")

    services.task_update(task=task, user=organiser, data={"title": "Plan"})

    assert [action for action, _detail in history(badge)] == ["task_added"]


def test_the_kind_of_evidence_cannot_change_once_learners_submitted(badge, organiser, learner):
    task = add_task(badge, organiser, title="Plan")
    services.badge_link_claim(code=badge.link.code, user=learner)
    services.evidence_submit(task=task, learner=learner, text="My plan")

    with pytest.raises(services.BadgesError, match="kind of evidence cannot change"):
        services.task_update(task=task, user=organiser, data={"evidence_kind": Task.Evidence.FILE})

    task.refresh_from_db()
    assert task.evidence_kind == Task.Evidence.TEXT
    services.task_update(task=task, user=organiser, data={"title": "Plan (clearer)"})
    task.refresh_from_db()
    assert task.title == "Plan (clearer)"


def test_the_approval_cannot_change_while_evidence_waits_for_review(badge, organiser, learner):
    task = add_task(badge, organiser, title="Plan")
    services.badge_link_claim(code=badge.link.code, user=learner)
    submission = services.evidence_submit(task=task, learner=learner, text="My plan")

    with pytest.raises(services.BadgesError, match="waits for review"):
        services.task_update(task=task, user=organiser, data={"approval": Task.Approval.SELF})

    services.evidence_review(
        submission=submission, reviewer=organiser, approve=False, comment="More.", as_organiser=True
    )
    services.task_update(task=task, user=organiser, data={"approval": Task.Approval.PEER})
    task.refresh_from_db()
    assert task.approval == Task.Approval.PEER


def test_tasks_are_reordered_and_each_move_is_in_the_history(badge, organiser):
    first, second, third = (add_task(badge, organiser, title=t) for t in ("One", "Two", "Three"))

    services.task_move(task=third, user=organiser, up=True)
    services.task_move(task=first, user=organiser, up=False)

    assert list(badge.tasks.values_list("title", flat=True)) == ["Three", "One", "Two"]
    assert history(badge)[-2:] == [("task_moved", "Three moved to 2 of 3"), ("task_moved", "One moved to 2 of 3")]


def test_moving_the_first_task_up_is_refused_and_changes_nothing(badge, organiser):
    first, _second = (add_task(badge, organiser, title=t) for t in ("One", "Two"))

    with pytest.raises(services.BadgesError, match="already first"):
        services.task_move(task=first, user=organiser, up=True)

    assert list(badge.tasks.values_list("title", flat=True)) == ["One", "Two"]


def test_a_task_added_after_a_deletion_goes_last(badge, organiser):
    a, b = (add_task(badge, organiser, title=t) for t in ("A", "B"))
    services.task_delete(task=a, user=organiser)

    add_task(badge, organiser, title="C")

    assert list(badge.tasks.values_list("title", flat=True)) == ["B", "C"]
    assert [action for action, _detail in history(badge)] == ["task_added", "task_added", "task_deleted", "task_added"]


def test_the_badge_page_edits_and_reorders_tasks(login, org, organiser, badge):
    one, two = (add_task(badge, organiser, title=t) for t in ("One", "Two"))
    client = login(organiser)

    page = client.get(url(org, badge, "badge_detail")).content.decode()
    assert url(org, badge, "task_edit", one) in page
    assert url(org, badge, "task_move", two, direction="up") in page
    assert url(org, badge, "task_move", one, direction="up") not in page

    form = client.get(url(org, badge, "task_edit", one))
    assert form.status_code == 200 and b'value="One"' in form.content
    saved = client.post(
        url(org, badge, "task_edit", one),
        {
            "title": "One, clearer",
            "description": "",
            "evidence_kind": "link",
            "approval": "organiser",
            "peer_review_days": 7,
        },
        follow=True,
    )
    assert "Task saved." in saved.content.decode()
    client.post(url(org, badge, "task_move", two, direction="up"))

    assert list(badge.tasks.values_list("title", "evidence_kind")) == [("Two", "text"), ("One, clearer", "link")]
    history_page = client.get(url(org, badge, "badge_detail")).content.decode()
    assert "Tasks reordered" in history_page and "Task edited" in history_page and "Task added" in history_page


def test_a_refused_edit_shows_the_reason_on_the_form(login, org, organiser, badge, learner):
    task = add_task(badge, organiser, title="Plan")
    services.badge_link_claim(code=badge.link.code, user=learner)
    services.evidence_submit(task=task, learner=learner, text="My plan")

    response = login(organiser).post(
        url(org, badge, "task_edit", task),
        {"title": "Plan", "evidence_kind": "file", "approval": "organiser", "peer_review_days": 7},
    )

    assert response.status_code == 200
    assert "kind of evidence cannot change" in response.content.decode()


def test_an_invalid_task_edit_is_refused_with_the_field_error(login, org, organiser, badge):
    task = add_task(badge, organiser, title="Plan")

    response = login(organiser).post(
        url(org, badge, "task_edit", task),
        {"title": "", "evidence_kind": "text", "approval": "organiser", "peer_review_days": 500},
    )

    assert response.status_code == 200
    assert "Between 1 and 90 days." in response.content.decode()
    task.refresh_from_db()
    assert task.title == "Plan"


def test_a_task_of_another_badge_or_a_bad_direction_is_404(login, org, organiser, badge):
    from badges.tests.conftest import publish_activity

    other = publish_activity(org, organiser, title="Other").badge
    foreign_task = add_task(other, organiser, title="Elsewhere")
    client = login(organiser)

    assert client.get(url(org, badge, "task_edit", foreign_task)).status_code == 404
    assert client.post(url(org, badge, "task_move", foreign_task, direction="up")).status_code == 404
    task = add_task(badge, organiser)
    assert client.post(url(org, badge, "task_move", task, direction="sideways")).status_code == 404


def test_moving_a_task_needs_a_post(login, org, organiser, badge):
    task = add_task(badge, organiser)

    assert login(organiser).get(url(org, badge, "task_move", task, direction="up")).status_code == 405
