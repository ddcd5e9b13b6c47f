"""Staking API: stake, unstake, cancel, withdraw for the signed-in member; public stats.

Member endpoints need the wallet session (``governance.auth.IsMember``, which also checks
CSRF). Stake and withdraw need an ``Idempotency-Key`` header: a retry with the same key
returns the first result and books nothing more.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from common.exceptions import Invalid, NotFound
from fund.api import staking_serializers as s
from fund.selectors.history import fund_get
from fund.selectors.staking_stats import reward_claim_in, reward_distribution
from fund.selectors.staking_summary import my_stake, stats_payload
from fund.services.staking import (
    stake_create,
    unstake_cancel,
    unstake_request,
    unstake_withdraw,
)
from governance.auth import IsMember, member_address

TAGS = ["staking"]
ERRORS = {
    400: ErrorOutputSerializer,
    403: ErrorOutputSerializer,
    404: ErrorOutputSerializer,
    409: ErrorOutputSerializer,
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="client-chosen key (1–100 characters); a retry with it replays the result",
)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > 100:
        raise Invalid.field("Idempotency-Key", "header with 1–100 characters is required")
    return key


class StakeCreateApi(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        tags=TAGS,
        operation_id="staking_stake",
        parameters=[IDEMPOTENCY],
        request=s.StakeCreateInputSerializer,
        responses={201: s.StakeDepositOutputSerializer, **ERRORS},
        summary="Stake from your balance or a confirmed on-chain transfer (tx_hash)",
    )
    def post(self, request, name):
        data = _valid(s.StakeCreateInputSerializer, request.data)
        deposit = stake_create(
            fund=fund_get(name),
            address=member_address(request),
            amount=int(data["amount"]),
            tx_hash=data.get("tx_hash"),
            client_key=_idempotency_key(request),
            now=timezone.now(),
        )
        return Response(s.StakeDepositOutputSerializer(deposit).data, status.HTTP_201_CREATED)


class UnstakeRequestApi(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        tags=TAGS,
        operation_id="staking_unstake",
        request=s.UnstakeRequestInputSerializer,
        responses={201: s.UnstakeRequestOutputSerializer, **ERRORS},
        summary="Ask to unstake free shares; withdraw after the unstake_cooldown",
    )
    def post(self, request, name):
        data = _valid(s.UnstakeRequestInputSerializer, request.data)
        row = unstake_request(
            fund=fund_get(name),
            address=member_address(request),
            shares=int(data["shares"]),
            now=timezone.now(),
        )
        return Response(s.UnstakeRequestOutputSerializer(row).data, status.HTTP_201_CREATED)


class UnstakeCancelApi(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        tags=TAGS,
        operation_id="staking_unstake_cancel",
        request=None,
        responses={200: s.UnstakeRequestOutputSerializer, **ERRORS},
        summary="Cancel a pending unstake request",
    )
    def post(self, request, pk):
        row = unstake_cancel(request_id=pk, address=member_address(request), now=timezone.now())
        return Response(s.UnstakeRequestOutputSerializer(row).data)


class UnstakeWithdrawApi(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        tags=TAGS,
        operation_id="staking_withdraw",
        parameters=[IDEMPOTENCY],
        request=None,
        responses={200: s.UnstakeRequestOutputSerializer, **ERRORS},
        summary="After the cooldown: receive min(value at request, value now) in your balance",
    )
    def post(self, request, pk):
        row = unstake_withdraw(
            request_id=pk,
            address=member_address(request),
            client_key=_idempotency_key(request),
            now=timezone.now(),
        )
        return Response(s.UnstakeRequestOutputSerializer(row).data)


class MyStakeApi(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        tags=TAGS,
        operation_id="staking_me",
        responses={200: s.MyStakeOutputSerializer, **ERRORS},
        summary="Your stakes, pending unstakes and reward claims with proofs",
    )
    def get(self, request):
        return Response(
            s.MyStakeOutputSerializer(my_stake(member_address(request), now=timezone.now())).data
        )


class StakingStatsApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="staking_stats",
        responses={200: s.StakingStatsOutputSerializer, **ERRORS},
        summary="Public: total staked, stakers, share price history, APR over 30 days",
    )
    def get(self, request, name):
        payload = stats_payload(fund_get(name), now=timezone.now())
        return Response(s.StakingStatsOutputSerializer(payload).data)


class RewardClaimApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="staking_reward_claim",
        responses={200: s.RewardClaimOutputSerializer, **ERRORS},
        summary="Public: an address's (index, amount, proof) in a reward epoch's Merkle tree",
    )
    def get(self, request, name, number, address):
        claim = reward_claim_in(fund=fund_get(name), number=number, address=address)
        if claim is None:
            raise NotFound(f"no reward for {address} in epoch {number} of fund {name}")
        return Response(s.RewardClaimOutputSerializer(claim).data)


class RewardDistributionApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="staking_reward_distribution",
        responses={200: s.RewardDistributionOutputSerializer, **ERRORS},
        summary="Public: a whole reward epoch as Uniswap's parse-balance-map output",
    )
    def get(self, request, name, number):
        distribution = reward_distribution(fund=fund_get(name), number=number)
        if distribution is None:
            raise NotFound(f"no reward epoch {number} in fund {name}")
        return Response(s.RewardDistributionOutputSerializer(distribution).data)
