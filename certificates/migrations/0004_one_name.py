"""One name per person: the individual's name and the accepted data's name become one value.

Before, the organiser's form changed the individual's name without the accepted data's (and
accepting a learner's correction changed only the accepted data). For each individual whose two
names differ, the one written last wins: the organiser's edit if their latest edit came after the
latest acceptance, else the accepted name. An empty accepted name takes the individual's.
"""

from django.db import migrations, models


def one_name(apps, schema_editor):
    Individual = apps.get_model("certificates", "Individual")
    AuditEntry = apps.get_model("certificates", "AuditEntry")
    for individual in Individual.objects.only("id", "first_name", "surname", "accepted_data").iterator():
        data = dict(individual.accepted_data or {})
        accepted = ((data.get("first_name") or "").strip(), (data.get("surname") or "").strip())
        current = (individual.first_name, individual.surname)
        if accepted == current:
            continue
        if not all(accepted):
            chosen = current
        else:
            last = (
                AuditEntry.objects.filter(individual_id=individual.pk, action__in=["updated", "accepted"])
                .order_by("-created_at", "-id")
                .values_list("action", flat=True)
                .first()
            )
            chosen = current if last == "updated" else accepted
        data["first_name"], data["surname"] = chosen
        Individual.objects.filter(pk=individual.pk).update(
            first_name=chosen[0], surname=chosen[1], accepted_data=data
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_certificate_credential"),
    ]

    operations = [
        migrations.AddField(
            model_name="individual",
            name="previous_submitted_data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="individual",
            name="status",
            field=models.CharField(
                choices=[
                    ("not_invited", "Not writing yet"),
                    ("editing", "Editing"),
                    ("submitted", "Submitted"),
                    ("changes_requested", "Changes requested"),
                    ("accepted", "Accepted"),
                ],
                db_index=True,
                default="not_invited",
                max_length=20,
            ),
        ),
        migrations.RunPython(one_name, migrations.RunPython.noop),
    ]
