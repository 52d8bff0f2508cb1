from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        from django.urls import reverse

        from organisations.models import Role
        from organisations.sections import OrgSection, register
        from programs.access import manageable_program_ids
        from programs.selectors import member_summary

        def actions(membership):
            url = reverse("programs:start", kwargs={"org_slug": membership.organisation.slug})
            return [(_("Invite and enrol learners"), url)]

        register(
            OrgSection(
                key="programs",
                title=_("Programs"),
                url_name="programs:list",
                roles=(Role.LEARNING_MANAGER,),
                description=_("Invite learners to program runs, one by one or from a file, and follow enrolments."),
                member_summary=member_summary,
                actions=actions,
                order=20,
                also_visible_to=lambda membership: bool(manageable_program_ids(membership)),
            )
        )
