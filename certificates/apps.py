from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from certificates.selectors import org_summary
        from organisations.models import Role
        from organisations.sections import OrgSection, register

        register(
            OrgSection(
                key="certificates",
                title=_("Certificates"),
                url_name="certificates:projects",
                roles=(Role.ORGANISER,),
                description=_("Projects, learners' certificate data, reviews and PDF certificates."),
                summary=org_summary,
                order=20,
            )
        )
