"""Files naming more learners than one query can: each row is still checked against what the organisation has."""

import pytest
from django.test import TestCase

from programs import services
from programs.models import ImportBatch, ImportBatchRows, Invitation, InvitationRun, LearnerLink
from programs.tests.conftest import future, future_text
from programs.tests.test_import import batch_url, csv_file, upload

pytestmark = pytest.mark.django_db

MANY = 1500  # more than SQLite binds in one query, so the lookups run in several parts


@pytest.fixture
def manager_client(login, learning_manager):
    return login(learning_manager)


def send_rows(org, user, rows) -> int:
    """An earlier upload's rows, sent through the same path as a checked file."""
    batch = ImportBatch.objects.create(
        organisation=org, uploaded_by=user, file_name="earlier.csv", status=ImportBatch.Status.SENDING
    )
    ImportBatchRows.objects.create(batch=batch, rows=rows)
    return services.batch_send(batch_id=batch.pk)


def test_every_learner_of_a_big_file_is_checked_against_pending_invitations(
    manager_client, org, learning_manager, program, run, run2
):
    expiry = future().strftime("%Y-%m-%dT%H:%M:%S")
    earlier = [[n + 2, f"S{n:04d}", f"s{n}@example.test", run.pk, expiry] for n in range(MANY)]
    # Someone else's pending invitation, in no way related to the file: it must change nothing.
    earlier.append([MANY + 2, "OTHER", "other@example.test", run.pk, expiry])
    assert send_rows(org, learning_manager, earlier) == MANY + 1

    # The file repeats all but the last two learners, then names those two in ways that clash.
    lines = [f"S{n:04d},s{n}@example.test,MC-DATA,2026-SPRING,{future_text()}" for n in range(MANY - 2)]
    lines += [
        "NEW1,new1@example.test,MC-DATA,2026-AUTUMN," + future_text(),
        f"S{MANY - 1:04d},changed@example.test,MC-DATA,2026-AUTUMN,{future_text()}",
        f"NEW2,s{MANY - 2}@example.test,MC-DATA,2026-AUTUMN,{future_text()}",
    ]
    upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get(file_name="invites.csv")
    assert batch.status == ImportBatch.Status.INVALID
    reasons = {(row, reason) for row, _column, _value, reason in batch.errors}
    assert reasons == {
        (MANY + 1, f"Learner ID S{MANY - 1:04d} has a pending invitation sent to s{MANY - 1}@example.test."),
        (MANY + 2, f"A pending invitation to this email is for learner ID S{MANY - 2:04d}."),
    }
    assert len(batch.notices) == MANY - 2  # every pending learner and run is reported as skipped


def test_sending_a_big_file_skips_learners_invited_since_it_was_checked(
    manager_client, org, learning_manager, program, run
):
    lines = [f"S{n:04d},s{n}@example.test,MC-DATA,2026-SPRING,{future_text()}" for n in range(MANY)]
    upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID
    # Meanwhile the first and the last learner were invited another way.
    expiry = future().strftime("%Y-%m-%dT%H:%M:%S")
    send_rows(org, learning_manager, [[2, "S0000", "s0@example.test", run.pk, expiry]])
    send_rows(org, learning_manager, [[2, f"S{MANY - 1:04d}", f"s{MANY - 1}@example.test", run.pk, expiry]])

    with TestCase.captureOnCommitCallbacks(execute=True):
        manager_client.post(batch_url(org, batch, "import_batch_send"))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SENT and batch.sent_count == MANY - 2
    assert Invitation.objects.filter(batch=batch).count() == MANY - 2
    assert InvitationRun.objects.filter(run=run).count() == MANY


def test_linked_learners_of_a_big_file_are_checked_against_their_accounts(
    manager_client, org, program, run, learner, other_learner
):
    LearnerLink.objects.create(organisation=org, external_learner_id="LINKED", user=learner)
    LearnerLink.objects.create(organisation=org, external_learner_id="ELSEWHERE", user=other_learner)
    lines = [f"S{n:04d},s{n}@example.test,MC-DATA,2026-SPRING,{future_text()}" for n in range(MANY)]
    lines += [
        f"LINKED,someone.else@example.test,MC-DATA,2026-SPRING,{future_text()}",
        f"NEW,{other_learner.email},MC-DATA,2026-SPRING,{future_text()}",
    ]
    upload(manager_client, org, csv_file(lines))
    batch = ImportBatch.objects.get()
    reasons = {(row, reason) for row, _column, _value, reason in batch.errors}
    assert reasons == {
        (MANY + 2, "Learner ID LINKED is linked to an account with another email."),
        (MANY + 3, "This email belongs to the account of learner ID ELSEWHERE."),
    }
