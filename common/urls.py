from django.urls import path

from common import views

app_name = "common"

urlpatterns = [
    path("staff/login/", views.staff_login, name="staff-login"),
    path("staff/logout/", views.staff_logout, name="staff-logout"),
    path("staff/audit/", views.audit_log, name="audit-log"),
]
