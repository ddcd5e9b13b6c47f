"""Pages of the custody app."""

from django.urls import path

from custody import views

app_name = "custody"

urlpatterns = [
    path("reserves/", views.reserves, name="reserves"),
    path("staff/", views.staff, name="staff"),
    path("staff/wallets/", views.wallet_add, name="wallet-add"),
    path("staff/alerts/<int:alert_id>/ack/", views.alert_acknowledge, name="alert-ack"),
    path("staff/epochs/", views.epoch_publish, name="epoch-publish"),
]
