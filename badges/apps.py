from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = _("Open Badges")

    def ready(self):
        from badges import receivers  # noqa: F401  (connects the allauth receivers)
        from badges.selectors import org_summary
        from organisations.models import Role
        from organisations.sections import OrgSection, register

        register(
            OrgSection(
                key="badges",
                title=_("Activities & badges"),
                url_name="badges:activities",
                roles=(Role.ORGANISER,),
                description=_("Activities, playlists, Open Badges, evidence to review."),
                summary=org_summary,
                order=30,
            )
        )
