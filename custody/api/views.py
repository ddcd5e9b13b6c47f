"""Custody API: published reserve proofs (public) and wallet tracking (custody admins)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from common.auth import staff_verified, user_has_role
from common.exceptions import NotFound
from custody.api import serializers as s
from custody.models import ControlChallenge, ReserveEpoch, TrackedWallet
from custody.selectors import epochs_recent, payouts_paused, staker_proof
from custody.services.challenges import challenge_issue, control_proof_verify
from custody.services.wallets import wallet_track
from fund.models import Fund

ERRORS = {code: ErrorOutputSerializer for code in (400, 403, 404, 409, 503)}
TAGS = ["custody"]


class IsCustodyAdmin(BasePermission):
    message = "needs staff with a verified second factor and the custody_admin role"

    def has_permission(self, request, view) -> bool:
        return staff_verified(request.user) and user_has_role(request.user, "custody_admin")


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EpochListApi(APIView):
    @extend_schema(tags=TAGS, responses={200: s.EpochOutputSerializer(many=True)})
    def get(self, request):
        """The latest reserve-proof epochs with assets vs liabilities per fund."""
        return Response(s.EpochOutputSerializer(epochs_recent(), many=True).data)


class EpochBundleApi(APIView):
    @extend_schema(tags=TAGS, responses={200: OpenApiTypes.OBJECT, **ERRORS})
    def get(self, request, number: int):
        """The signed bundle, byte for byte as signed: feed it to ``python -m backstop_verify``."""
        epoch = get_object_or_404(ReserveEpoch, number=number)
        response = HttpResponse(epoch.bundle, content_type="application/json")
        filename = f"backstop-reserve-epoch-{epoch.number}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class StakerProofApi(APIView):
    @extend_schema(tags=TAGS, responses={200: s.StakerProofOutputSerializer, **ERRORS})
    def get(self, request, number: int, fund: str, address: str):
        """A staker's inclusion proof in the epoch's sum tree (verified by the server too)."""
        epoch = get_object_or_404(ReserveEpoch, number=number)
        proof = staker_proof(epoch=epoch, fund_name=fund, address=address)
        if proof is None:
            raise NotFound(f"{address} holds no stake in fund {fund} at epoch {number}")
        return Response(s.StakerProofOutputSerializer(proof).data)


class PayoutsPausedApi(APIView):
    @extend_schema(tags=TAGS, responses={200: s.PayoutsPausedOutputSerializer, **ERRORS})
    def get(self, request, fund: str):
        """Whether automatic payouts of the fund are paused by the last reserve proof."""
        found = get_object_or_404(Fund, name=fund)
        return Response({"fund": found.name, "paused": payouts_paused(found)})


class WalletTrackApi(APIView):
    permission_classes = [IsCustodyAdmin]

    @extend_schema(
        tags=TAGS,
        request=s.WalletTrackInputSerializer,
        responses={201: s.WalletOutputSerializer, **ERRORS},
    )
    def post(self, request):
        """Track a Safe or plain account for a fund (checksum and Safe-ness checked on chain)."""
        data = _valid(s.WalletTrackInputSerializer, request.data)
        fund = Fund.objects.filter(name=data.pop("fund")).first()
        if fund is None:
            raise NotFound("no such fund")
        wallet = wallet_track(**data, fund=fund, actor=request.user.get_username())
        return Response(s.WalletOutputSerializer(wallet).data, status=201)


class ChallengeIssueApi(APIView):
    permission_classes = [IsCustodyAdmin]

    @extend_schema(tags=TAGS, request=None, responses={201: s.ChallengeOutputSerializer, **ERRORS})
    def post(self, request, wallet_id: int):
        """A fresh challenge for the wallet's controllers to sign."""
        wallet = get_object_or_404(TrackedWallet, pk=wallet_id)
        return Response(
            s.ChallengeOutputSerializer(challenge_issue(wallet=wallet)).data, status=201
        )


class ChallengeVerifyApi(APIView):
    permission_classes = [IsCustodyAdmin]

    @extend_schema(
        tags=TAGS,
        request=s.ChallengeVerifyInputSerializer,
        responses={200: s.ChallengeOutputSerializer, **ERRORS},
    )
    def post(self, request, nonce: str):
        """Check the signature: EIP-1271 for a Safe, ECDSA recovery for a plain account."""
        challenge = get_object_or_404(
            ControlChallenge.objects.select_related("wallet"), nonce=nonce
        )
        data = _valid(s.ChallengeVerifyInputSerializer, request.data)
        verified = control_proof_verify(
            challenge=challenge, signature=data["signature"], actor=request.user.get_username()
        )
        return Response(s.ChallengeOutputSerializer(verified).data)
