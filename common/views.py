from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from common.auth import staff_required
from common.forms import StaffLoginForm
from common.health import health_report
from common.models import AuditEntry
from common.overview import overview
from common.ratelimit import ratelimited


def home(request):
    return render(request, "common/home.html", overview())


def healthz(request):
    ok, checks = health_report()
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)


@require_http_methods(["GET", "POST"])
@ratelimited(key="staff-login", limit=10, period=60)
def staff_login(request):
    """Password and TOTP on one form; a staff member without a confirmed device cannot pass."""
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not user.is_staff:
            form.add_error(None, "This login is for staff only.")
        else:
            login(request, user)
            otp_login(request, user.otp_device)
            target = request.GET.get("next", "/")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return redirect(target)
    return render(request, "common/staff_login.html", {"form": form})


@require_POST
def staff_logout(request):
    logout(request)
    messages.info(request, "Signed out.")
    return redirect("/")


@staff_required()
def audit_log(request):
    entries = AuditEntry.objects.order_by("-seq")[:200]
    return render(request, "common/audit_log.html", {"entries": entries})
