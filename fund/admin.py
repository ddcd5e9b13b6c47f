"""Admin of the fund app. The ledger is written only by services, so its records are read-only."""

from django import forms
from django.contrib import admin

from common.admin import ReadOnlyAdmin
from fund.models import (
    Asset,
    Claim,
    Entry,
    Fund,
    FundDay,
    LedgerAccount,
    OnchainDeposit,
    Payout,
    Posting,
    RewardEpoch,
    StakePosition,
    UnstakeRequest,
)
from fund.services.funds import asset_create, fund_create, fund_has_history, fund_update


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    """Assets are added through ``asset_create``; symbol and decimals never change afterwards."""

    list_display = ("symbol", "decimals", "chain_id", "token_address")
    search_fields = ("symbol", "token_address")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        created = asset_create(
            symbol=obj.symbol,
            decimals=obj.decimals,
            chain_id=obj.chain_id,
            token_address=obj.token_address,
            actor=request.user.get_username(),
        )
        obj.pk = created.pk


class FundAdminForm(forms.ModelForm):
    class Meta:
        model = Fund
        fields = ("name", "asset", "kind", "description")

    def clean_asset(self):
        asset = self.cleaned_data["asset"]
        fund = self.instance
        if fund.pk and asset.pk != fund.asset_id and fund_has_history(fund):
            raise forms.ValidationError(
                f"This fund already has ledger entries in {fund.asset.symbol}: "
                "its asset cannot change."
            )
        return asset


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    """Funds go through ``fund_create`` / ``fund_update``, which refuse an asset change once
    the fund has history (and PostgreSQL refuses it again underneath)."""

    form = FundAdminForm
    list_display = ("name", "asset", "kind", "description", "created_at")
    list_filter = ("kind", "asset")

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        actor = request.user.get_username()
        data = form.cleaned_data
        if change:
            fund_update(
                fund=Fund.objects.get(pk=obj.pk),
                asset=data["asset"],
                kind=data["kind"],
                description=data["description"],
                actor=actor,
            )
        else:
            created = fund_create(
                name=data["name"],
                asset=data["asset"],
                kind=data["kind"],
                description=data["description"],
                actor=actor,
            )
            obj.pk = created.pk


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "asset", "fund", "balance", "protected")
    list_filter = ("kind", "asset", "protected")
    search_fields = ("key",)


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("account", "asset", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "kind", "key", "fund", "event_time", "hash")
    list_filter = ("kind", "fund")
    search_fields = ("key", "hash")
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("entry", "account", "asset", "amount")
    list_select_related = ("entry", "account", "asset")
    search_fields = ("entry__key", "account__key")


@admin.register(FundDay)
class FundDayAdmin(ReadOnlyAdmin):
    list_display = ("fund", "day", "net", "closing", "entries", "first_seq", "last_seq")
    list_filter = ("fund",)
    date_hierarchy = "day"


# --- staking: written only by fund.services.staking*, so read-only here ----------------


@admin.register(StakePosition)
class StakePositionAdmin(ReadOnlyAdmin):
    list_display = ("fund", "address", "shares", "locked_shares", "points", "accrued_at")
    list_filter = ("fund",)
    search_fields = ("address",)


@admin.register(UnstakeRequest)
class UnstakeRequestAdmin(ReadOnlyAdmin):
    list_display = ("fund", "address", "shares", "value_at_request", "available_at", "status")
    list_filter = ("fund", "status")
    search_fields = ("address",)


@admin.register(OnchainDeposit)
class OnchainDepositAdmin(ReadOnlyAdmin):
    list_display = ("tx_hash", "fund", "from_address", "amount", "block_number", "confirmed_block")
    search_fields = ("tx_hash", "from_address")


@admin.register(RewardEpoch)
class RewardEpochAdmin(ReadOnlyAdmin):
    list_display = ("fund", "number", "started_at", "ended_at", "total", "root")
    list_filter = ("fund",)


# --- payouts ---------------------------------------------------------------------------
# Read-only: approving, rejecting and reviewing go through the services (four eyes, audit),
# on /fund/staff/payouts/ or the staff API, never through a model form.


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "fund", "kind", "amount", "status", "created_by", "created_at")
    list_filter = ("status", "kind", "fund")
    search_fields = ("reason", "recipient_address", "idempotency_key")


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("id", "fund", "member_address", "amount", "loss_time", "status")
    list_filter = ("status", "fund")
    search_fields = ("member_address",)
