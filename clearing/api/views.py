"""Clearing API: the venue's batched ingest (``ingest`` scope), risk modes and ADL queues.

Each ingest call is all or nothing: the services validate the whole batch before booking, so
an error names the item (``fills.3.price``) and nothing of the batch is kept. Resending a
batch is safe: items are idempotent by the venue's ids.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from clearing.api import serializers as s
from clearing.models import Market
from clearing.selectors import adl_queue_rows, market_risk_summary
from clearing.services.fills import FillInput, fills_ingest
from clearing.services.marks import CloseInput, MarkInput, closes_ingest, marks_ingest
from common.api import ErrorOutputSerializer
from common.apikeys import ApiKeyAuthentication, require_scope

ERRORS = {code: ErrorOutputSerializer for code in (400, 401, 403, 404, 409)}


class IngestApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [require_scope("ingest")]


class FillsIngestApi(IngestApi):
    @extend_schema(
        operation_id="clearing_fills_ingest",
        summary="Book a batch of fills (margin, fee, fee take, realised PnL)",
        request=s.FillsIngestInputSerializer,
        responses={200: s.FillsIngestOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = s.FillsIngestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fills = fills_ingest(fills=[FillInput(**item) for item in data.validated_data["fills"]])
        return Response(s.FillsIngestOutputSerializer({"fills": fills}).data)


class MarksIngestApi(IngestApi):
    @extend_schema(
        operation_id="clearing_marks_ingest",
        summary="Record mark prices and take over the positions they make liquidatable",
        request=s.MarksIngestInputSerializer,
        responses={200: s.MarksIngestOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = s.MarksIngestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marks = [MarkInput(**item) for item in data.validated_data["marks"]]
        taken = marks_ingest(marks=marks)
        body = {"accepted": len(marks), "taken_over": taken}
        return Response(s.MarksIngestOutputSerializer(body).data)


class ClosesIngestApi(IngestApi):
    @extend_schema(
        operation_id="clearing_closes_ingest",
        summary="Record the venue's close of taken-over positions; settlement follows",
        request=s.ClosesIngestInputSerializer,
        responses={200: s.ClosesIngestOutputSerializer, **ERRORS},
    )
    def post(self, request):
        data = s.ClosesIngestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closes = closes_ingest(
            closes=[CloseInput(**item) for item in data.validated_data["closes"]]
        )
        return Response(s.ClosesIngestOutputSerializer({"closes": closes}).data)


class MarketListApi(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="clearing_markets",
        summary="Public: each market's risk mode, open interest and ADL light counts",
        responses={200: s.MarketRiskOutputSerializer(many=True)},
    )
    def get(self, request):
        markets = Market.objects.select_related("asset", "fund").order_by("symbol")
        rows = [market_risk_summary(market) for market in markets]
        return Response(s.MarketRiskOutputSerializer(rows, many=True).data)


class AdlQueueApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [require_scope("risk:read")]

    @extend_schema(
        operation_id="clearing_adl_queue",
        summary="The venue's view: every position's ADL score and quintile, front first",
        responses={200: s.AdlQueueEntryOutputSerializer(many=True), **ERRORS},
    )
    def get(self, request, symbol: str):
        market = get_object_or_404(Market.objects.select_related("asset", "fund"), symbol=symbol)
        return Response(s.AdlQueueEntryOutputSerializer(adl_queue_rows(market), many=True).data)


class MyAdlQueueApi(APIView):
    """A position's owner: a signed-in member whose username is the venue account id."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="clearing_adl_mine",
        summary="The signed-in member's own positions with their ADL quintile",
        responses={200: s.AdlQueueEntryOutputSerializer(many=True), **ERRORS},
    )
    def get(self, request, symbol: str):
        market = get_object_or_404(Market.objects.select_related("asset", "fund"), symbol=symbol)
        rows = adl_queue_rows(market, account=request.user.get_username())
        return Response(s.AdlQueueEntryOutputSerializer(rows, many=True).data)
