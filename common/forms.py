"""Staff login forms: password plus the code from the staff member's TOTP device.

django-otp (1.7+) wants the device chosen explicitly, so that a failed try is not counted
against every device of the user. Staff have one confirmed TOTP device each, so the forms
pick it; a staff member without a confirmed device cannot pass.
"""

from __future__ import annotations

from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice

NO_DEVICE = "No confirmed authenticator for this account: ask an administrator to set one up."


class StaffDeviceMixin:
    otp_error_messages = {
        **OTPAuthenticationForm.otp_error_messages,
        "device_required": NO_DEVICE,
    }

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        return device


class StaffLoginForm(StaffDeviceMixin, OTPAuthenticationForm):
    """The form of /staff/login/."""


class StaffAdminLoginForm(StaffDeviceMixin, OTPAdminAuthenticationForm):
    """The form of /admin/login/ (Django's admin also needs the second factor)."""
