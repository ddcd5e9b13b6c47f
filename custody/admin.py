"""Read-only admin views of custody records: every change goes through the services."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from custody.models import (
    BalanceReading,
    ControlChallenge,
    CustodyAlert,
    ReserveEpoch,
    SafeReading,
    TrackedWallet,
)


@admin.register(TrackedWallet)
class TrackedWalletAdmin(ReadOnlyAdmin):
    list_display = ("label", "chain_id", "address", "kind", "fund", "created_at")
    list_filter = ("kind", "chain_id", "fund")


@admin.register(SafeReading)
class SafeReadingAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "block_number", "threshold", "nonce", "version", "rewound_at")


@admin.register(BalanceReading)
class BalanceReadingAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "symbol", "amount", "block_number", "rewound_at")


@admin.register(CustodyAlert)
class CustodyAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "message", "acknowledged_by", "acknowledged_at")
    list_filter = ("kind",)


@admin.register(ControlChallenge)
class ControlChallengeAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "nonce", "created_at", "expires_at", "verified_at")


@admin.register(ReserveEpoch)
class ReserveEpochAdmin(ReadOnlyAdmin):
    list_display = ("number", "created_at", "cut_seq", "ledger_root", "signer")
    exclude = ("bundle",)
