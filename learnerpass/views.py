from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from badges.selectors import learner_dashboard as badges_dashboard
from certificates.selectors import learner_dashboard as certificates_dashboard
from organisations.access import user_memberships
from programs.selectors import learner_dashboard as programs_dashboard


def home(request):
    if request.user.is_authenticated:
        return redirect("me")
    return render(request, "home.html")


@login_required
def me(request):
    """The learner dashboard: each feature app contributes its own part."""
    # The navigation loads the memberships anyway (once per request); a learner without any manages nothing.
    context = {
        "programs": programs_dashboard(request.user, member=bool(user_memberships(request))),
        "certificates": certificates_dashboard(request.user),
        "badges": badges_dashboard(request.user),
    }
    return render(request, "me.html", context)


def favicon(request):
    # Browsers ask for /favicon.ico on responses without a <link rel="icon"> (JSON, files).
    return redirect(static("favicon.svg"), permanent=True)
