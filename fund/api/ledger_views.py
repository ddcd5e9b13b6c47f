"""Public read API of the fund ledger: funds, daily balances, entries, totals, statements.

No login: the fund's books are public (seeds 000 and 002 ask for regular disclosure). Every
endpoint reads the precomputed history (``fund.selectors.history``), so its cost depends on
the days or page asked for, not on how many entries the fund has.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from fund.api.ledger_serializers import (
    FundDaysOutputSerializer,
    FundEntriesInputSerializer,
    FundEntriesOutputSerializer,
    FundOutputSerializer,
    FundRangeInputSerializer,
    FundStatementOutputSerializer,
    FundTotalsOutputSerializer,
)
from fund.selectors.history import (
    DayRange,
    EntryCursor,
    Statement,
    day_range,
    fund_days,
    fund_entries_iter,
    fund_entries_page,
    fund_get,
    fund_kind_totals,
    fund_statement,
    funds_with_balances,
    month_parse,
)
from fund.selectors.ledger import fund_balance

EPOCH = date(1970, 1, 1)
ERRORS = {400: ErrorOutputSerializer, 404: ErrorOutputSerializer}
RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="first UTC day (default: 90 days ago)"),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="last UTC day, included (default: today)"
    ),
]


def _range(request) -> DayRange:
    data = FundRangeInputSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    return day_range(data.validated_data.get("first"), data.validated_data.get("last"))


def _fund_data(fund, balance: int) -> dict:
    return {
        "name": fund.name,
        "kind": fund.kind,
        "description": fund.description,
        "asset": fund.asset,
        "balance": balance,
    }


class FundListApi(APIView):
    @extend_schema(
        operation_id="fund_list",
        summary="Every fund with its asset and current balance",
        responses={200: FundOutputSerializer(many=True)},
    )
    def get(self, request):
        funds = funds_with_balances()
        return Response(
            FundOutputSerializer([_fund_data(f, f.balance) for f in funds], many=True).data
        )


class FundDetailApi(APIView):
    @extend_schema(
        operation_id="fund_detail",
        summary="One fund with its asset and current balance",
        responses={200: FundOutputSerializer, **ERRORS},
    )
    def get(self, request, name: str):
        fund = fund_get(name)
        return Response(FundOutputSerializer(_fund_data(fund, fund_balance(fund))).data)


class FundDaysApi(APIView):
    @extend_schema(
        operation_id="fund_days",
        summary="Closing balance, net change and entry count for each day of a range",
        parameters=RANGE,
        responses={200: FundDaysOutputSerializer, **ERRORS},
    )
    def get(self, request, name: str):
        fund = fund_get(name)
        points = fund_days(fund, days=_range(request))
        data = {"fund": fund.name, "decimals": fund.asset.decimals, "days": points}
        return Response(FundDaysOutputSerializer(data).data)


class FundEntriesApi(APIView):
    @extend_schema(
        operation_id="fund_entries",
        summary="The fund's entries in a range, newest first, with the balance after each",
        parameters=[
            *RANGE,
            OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
            OpenApiParameter("limit", int, description="page size, 1–500 (default 100)"),
        ],
        responses={200: FundEntriesOutputSerializer, **ERRORS},
    )
    def get(self, request, name: str):
        fund = fund_get(name)
        data = FundEntriesInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        days = day_range(values.get("first"), values.get("last"))
        cursor = EntryCursor.decode(values["cursor"]) if values.get("cursor") else None
        page, after = fund_entries_page(fund, days=days, cursor=cursor, size=values["limit"])
        next_url = None
        if after:
            query = {"from": days.first, "to": days.last, "limit": values["limit"]}
            query["cursor"] = after.encode()
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
        body = {
            "fund": fund.name,
            "decimals": fund.asset.decimals,
            "next_cursor": after.encode() if after else None,
            "next": next_url,
            "results": page,
        }
        return Response(FundEntriesOutputSerializer(body).data)


class FundTotalsApi(APIView):
    @extend_schema(
        operation_id="fund_totals",
        summary="Inflow and outflow per entry kind over a range",
        parameters=RANGE,
        responses={200: FundTotalsOutputSerializer, **ERRORS},
    )
    def get(self, request, name: str):
        fund = fund_get(name)
        days = _range(request)
        data = {
            "fund": fund.name,
            "decimals": fund.asset.decimals,
            "days": days,
            "totals": fund_kind_totals(fund, days=days),
        }
        return Response(FundTotalsOutputSerializer(data).data)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Stream rows as CSV: nothing is held in memory, so any range can be exported."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ENTRY_CSV_HEADER = ["seq", "event_time", "kind", "key", "change", "balance_after", "hash"]


class FundEntriesCsvApi(APIView):
    @extend_schema(
        operation_id="fund_entries_csv",
        summary="Every entry of a range as CSV, oldest first (streamed; any range)",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first UTC day (default: all)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last UTC day (default: today)"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request, name: str):
        fund = fund_get(name)
        data = FundRangeInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        days = day_range(
            data.validated_data.get("first") or EPOCH,
            data.validated_data.get("last"),
            max_days=None,
        )
        rows = (
            [
                row.seq,
                row.event_time.isoformat(),
                row.kind,
                row.entry.key,
                row.change,
                row.balance_after,
                row.entry.hash,
            ]
            for row in fund_entries_iter(fund, days=days)
        )
        return csv_response(
            itertools.chain([ENTRY_CSV_HEADER], rows), f"{fund.name}-{days.first}-{days.last}.csv"
        )


def statement_get(name: str, month: str) -> Statement:
    fund = fund_get(name)
    return fund_statement(fund, month=month_parse(month))


def statement_data(statement: Statement) -> dict:
    def ref(entry):
        return {"seq": entry.seq, "hash": entry.hash} if entry else None

    return {
        "fund": statement.fund,
        "month": statement.month.strftime("%Y-%m"),
        "opening": statement.opening,
        "inflows": statement.inflows,
        "outflows": statement.outflows,
        "total_inflow": statement.total_inflow,
        "total_outflow": statement.total_outflow,
        "closing": statement.closing,
        "entries": statement.entries,
        "first_entry": ref(statement.first_entry),
        "last_entry": ref(statement.last_entry),
    }


class FundStatementApi(APIView):
    @extend_schema(
        operation_id="fund_statement",
        summary="Monthly statement: opening, inflows and outflows by kind, closing, entry span",
        responses={200: FundStatementOutputSerializer, **ERRORS},
    )
    def get(self, request, name: str, month: str):
        return Response(
            FundStatementOutputSerializer(statement_data(statement_get(name, month))).data
        )


class FundStatementCsvApi(APIView):
    @extend_schema(
        operation_id="fund_statement_csv",
        summary="Monthly statement as CSV (section, kind, amount)",
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request, name: str, month: str):
        statement = statement_get(name, month)
        data = statement_data(statement)
        rows = [
            ["section", "kind", "amount"],
            ["opening", "", data["opening"]],
            *[["inflow", kind, amount] for kind, amount in data["inflows"].items()],
            *[["outflow", kind, amount] for kind, amount in data["outflows"].items()],
            ["closing", "", data["closing"]],
            ["entries", "", data["entries"]],
        ]
        for label in ("first_entry", "last_entry"):
            if data[label]:
                rows.append([label, data[label]["hash"], data[label]["seq"]])
        return csv_response(rows, f"{statement.fund.name}-{data['month']}.csv")
