from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from badges.selectors import learner_dashboard as badges_dashboard
from certificates.selectors import learner_dashboard as certificates_dashboard
from programs.selectors import learner_dashboard as programs_dashboard


def home(request):
    if request.user.is_authenticated:
        return redirect("me")
    return render(request, "home.html")


@login_required
def me(request):
    """The learner dashboard: each feature app contributes its own part."""
    context = {
        "programs": programs_dashboard(request.user),
        "certificates": certificates_dashboard(request.user),
        "badges": badges_dashboard(request.user),
    }
    return render(request, "me.html", context)


def favicon(request):
    # Browsers ask for /favicon.ico on responses without a <link rel="icon"> (JSON, files).
    return redirect(static("favicon.svg"), permanent=True)


def healthz(request):
    """Readiness for load balancers and the production recipe test: 200 when the database answers, else 503.

    No sign-in, no session, no template: safe to poll every second.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
