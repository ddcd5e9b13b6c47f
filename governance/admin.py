from django.contrib import admin

from common.admin import ReadOnlyAdmin
from governance.models import ParamValue


@admin.register(ParamValue)
class ParamValueAdmin(ReadOnlyAdmin):
    """Read-only on purpose: values change only through governance (or install-time seeding)."""

    list_display = ("name", "scope", "value", "effective_at", "source", "created_by")
    list_filter = ("name", "scope", "source")
