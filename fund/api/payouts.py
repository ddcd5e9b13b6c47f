"""Staff API for payouts and claims: list, create, approve, reject, retry, review claims.

Session login with a verified second factor and the ``payout_reviewer`` role, nothing else:
API keys never reach these endpoints (a leaked venue key must not move fund money), and
SessionAuthentication enforces CSRF. Everything else is decided by the services, which check
the same rules again, so a page, the API and a task can never disagree.
"""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from common.auth import staff_verified, user_has_role
from fund.selectors.payouts import claim_get, claims_to_review, payout_get, payouts_open
from fund.services.claims import claim_review
from fund.services.payouts import (
    REVIEWER_ROLE,
    payout_approve,
    payout_book_retry,
    payout_create,
    payout_reject,
)

ERRORS = {code: ErrorOutputSerializer for code in (400, 403, 404, 409)}


class IsPayoutReviewer(permissions.BasePermission):
    message = f"staff with a verified second factor and the '{REVIEWER_ROLE}' role only"

    def has_permission(self, request, view) -> bool:
        return staff_verified(request.user) and user_has_role(request.user, REVIEWER_ROLE)


class ReviewerApi(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsPayoutReviewer]


class PayoutSafeTxOutputSerializer(serializers.Serializer):
    """What the Safe's owners need to sign: the SafeTx fields and its EIP-712 hash."""

    chain_id = serializers.IntegerField()
    safe = serializers.CharField(source="safe_address")
    to = serializers.CharField(source="token_address")
    value = serializers.CharField(default="0")
    data = serializers.CharField()
    operation = serializers.IntegerField(default=0)
    nonce = serializers.IntegerField()
    safe_tx_hash = serializers.CharField()
    status = serializers.CharField()
    tx_hash = serializers.CharField()
    block_number = serializers.IntegerField(allow_null=True)


class PayoutOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.CharField(source="fund.name")
    asset = serializers.CharField(source="fund.asset.symbol")
    kind = serializers.CharField()
    amount = serializers.CharField()
    recipient = serializers.CharField()
    reason = serializers.CharField()
    created_by = serializers.CharField()
    loss_time = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    note = serializers.CharField()
    approvals_required = serializers.IntegerField()
    approved_by = serializers.SerializerMethodField()
    entry_seq = serializers.IntegerField(source="entry.seq", allow_null=True, default=None)
    safe_tx = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    booked_at = serializers.DateTimeField(allow_null=True)

    def get_approved_by(self, payout) -> list[str]:
        return [approval.user.get_username() for approval in payout.approvals.all()]

    @extend_schema_field(PayoutSafeTxOutputSerializer(allow_null=True))
    def get_safe_tx(self, payout) -> dict | None:
        safe_tx = getattr(payout, "safe_tx", None)
        return PayoutSafeTxOutputSerializer(safe_tx).data if safe_tx else None


def _payout_response(payout, code: int = status.HTTP_200_OK) -> Response:
    return Response(PayoutOutputSerializer(payout_get(payout.pk)).data, status=code)


class PayoutListApi(ReviewerApi):
    @extend_schema(
        operation_id="payouts_open",
        summary="Open payouts (pending, waiting to be booked, paused), oldest first",
        responses={200: PayoutOutputSerializer(many=True), 403: ErrorOutputSerializer},
    )
    def get(self, request):
        return Response(PayoutOutputSerializer(payouts_open(), many=True).data)


class PayoutCreateInputSerializer(serializers.Serializer):
    fund = serializers.CharField(max_length=50)
    amount = serializers.CharField(max_length=80, help_text="integer string, smallest unit")
    reason = serializers.CharField(max_length=500)
    recipient_account = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    recipient_address = serializers.CharField(
        max_length=42, required=False, default="", allow_blank=True
    )
    chain_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PayoutCreateApi(ReviewerApi):
    @extend_schema(
        operation_id="payout_create",
        summary="Propose a transfer out of a fund (someone else must approve it)",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="a retried request with the same key returns the same payout",
            )
        ],
        request=PayoutCreateInputSerializer,
        responses={201: PayoutOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = PayoutCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
        payout = payout_create(
            **data.validated_data,
            kind="transfer_out",
            idempotency_key=f"api:{request.user.pk}:{key}"[:200],
            actor=request.user.get_username(),
            created_by_user=request.user,
        )
        return _payout_response(payout, status.HTTP_201_CREATED)


class PayoutDetailApi(ReviewerApi):
    @extend_schema(
        operation_id="payout_detail",
        summary="One payout with its approvals",
        responses={
            200: PayoutOutputSerializer,
            403: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
        },
    )
    def get(self, request, pk: int):
        return Response(PayoutOutputSerializer(payout_get(pk)).data)


class PayoutApproveApi(ReviewerApi):
    @extend_schema(
        operation_id="payout_approve",
        summary="Approve; the last approval needed books it (idempotent)",
        request=None,
        responses={200: PayoutOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return _payout_response(payout_approve(payout=payout_get(pk), user=request.user))


class PayoutRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class PayoutRejectApi(ReviewerApi):
    @extend_schema(
        operation_id="payout_reject",
        summary="Reject an open payout",
        request=PayoutRejectInputSerializer,
        responses={200: PayoutOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        data = PayoutRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = payout_reject(
            payout=payout_get(pk), user=request.user, reason=data.validated_data["reason"]
        )
        return _payout_response(payout)


class PayoutRetryApi(ReviewerApi):
    @extend_schema(
        operation_id="payout_retry",
        summary="Book an approved payout that waited (reserve floor, FIFO) or was paused",
        request=None,
        responses={200: PayoutOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return _payout_response(payout_book_retry(payout=payout_get(pk), user=request.user))


class ClaimOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.CharField(source="fund.name")
    member_address = serializers.CharField()
    amount = serializers.CharField()
    loss_time = serializers.DateTimeField()
    evidence = serializers.CharField()
    status = serializers.CharField()
    review_note = serializers.CharField()
    payout = serializers.IntegerField(source="payout_id", allow_null=True)
    created_at = serializers.DateTimeField()


class ClaimListApi(ReviewerApi):
    @extend_schema(
        operation_id="claims_to_review",
        summary="Submitted claims in loss-time order",
        responses={200: ClaimOutputSerializer(many=True), 403: ErrorOutputSerializer},
    )
    def get(self, request):
        return Response(ClaimOutputSerializer(claims_to_review(), many=True).data)


class ClaimReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    recipient_account = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )


class ClaimReviewApi(ReviewerApi):
    @extend_schema(
        operation_id="claim_review",
        summary="Approve a claim (creating its payout) or reject it",
        request=ClaimReviewInputSerializer,
        responses={200: ClaimOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        data = ClaimReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claim_review(claim=claim_get(pk), user=request.user, **data.validated_data)
        return Response(ClaimOutputSerializer(claim).data)
