from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import api_views as common_api
from common import views as common_views
from common.forms import StaffAdminLoginForm

# The admin is staff-only *and* needs a verified second factor.
admin.site.__class__ = OTPAdminSite
admin.site.login_form = StaffAdminLoginForm

api_v1 = [
    path("fund/", include("fund.api.urls")),
    path("clearing/", include("clearing.api.urls")),
    path("governance/", include("governance.api.urls")),
    path("custody/", include("custody.api.urls")),
    path("venue/whoami", common_api.VenueWhoamiApi.as_view(), name="venue-whoami"),
]

handler404 = "common.api.not_found"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("", include("common.urls")),
    path("fund/", include("fund.urls")),
    path("clearing/", include("clearing.urls")),
    path("governance/", include("governance.urls")),
    path("custody/", include("custody.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
