from django.urls import path

from common import views, views_dead_letters

app_name = "common"

urlpatterns = [
    path("staff/login/", views.staff_login, name="staff-login"),
    path("staff/logout/", views.staff_logout, name="staff-logout"),
    path("staff/audit/", views.audit_log, name="audit-log"),
    path("staff/dead-letters/", views_dead_letters.dead_letters, name="dead-letters"),
    path(
        "staff/dead-letters/<int:letter_id>/retry/",
        views_dead_letters.dead_letter_retry_view,
        name="dead-letter-retry",
    ),
]
