from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        from organisations.models import Role
        from organisations.sections import OrgSection, register
        from programs.access import manageable_program_ids
        from programs.selectors import org_summary

        register(
            OrgSection(
                key="programs",
                title=_("Programs"),
                url_name="programs:list",
                roles=(Role.LEARNING_MANAGER,),
                description=_("Invite learners to program runs, one by one or from a CSV, and follow enrolments."),
                summary=org_summary,
                order=20,
                also_visible_to=lambda membership: bool(manageable_program_ids(membership)),
            )
        )
