"""Serializers of the clearing API. Prices, sizes and amounts travel as strings only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.STR)
class DecimalStringField(serializers.Field):
    """A price or size as a decimal string; JSON numbers are refused (no floats near money)."""

    default_error_messages = {"type": "give prices and sizes as decimal strings, got {value!r}"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("type", value=data)
        try:
            value = Decimal(data)
        except InvalidOperation:
            self.fail("type", value=data)
        if not value.is_finite():
            self.fail("type", value=data)
        return value

    def to_representation(self, value):
        return format(value.normalize(), "f")


@extend_schema_field(OpenApiTypes.STR)
class AmountStringField(serializers.Field):
    """An integer amount in the asset's smallest unit, as a string."""

    default_error_messages = {"type": "give amounts as integer strings, got {value!r}"}

    def to_internal_value(self, data):
        text = data.strip() if isinstance(data, str) else None
        digits = text[1:] if text and text[0] == "-" else text
        # isdigit() admits other scripts' digits and superscripts ("¹"), which int() refuses.
        if not digits or not digits.isdigit() or not digits.isascii() or len(digits) > 78:
            self.fail("type", value=data)
        return int(text)

    def to_representation(self, value):
        return str(value)


class FillItemInputSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=100)
    account = serializers.CharField(max_length=100)
    market = serializers.CharField(max_length=40)
    side = serializers.ChoiceField(choices=["buy", "sell"])
    qty = DecimalStringField()
    price = DecimalStringField()
    fee = AmountStringField()
    margin = AmountStringField()
    ts = serializers.DateTimeField()


class FillsIngestInputSerializer(serializers.Serializer):
    fills = FillItemInputSerializer(many=True, allow_empty=False, max_length=1000)


class FillIngestedOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="venue_id")
    account = serializers.CharField()
    market = serializers.CharField(source="market.symbol")
    position = serializers.IntegerField(source="position_id")
    realized_pnl = AmountStringField()
    entry_ids = serializers.ListField(child=serializers.IntegerField())


class FillsIngestOutputSerializer(serializers.Serializer):
    fills = FillIngestedOutputSerializer(many=True)


class MarkItemInputSerializer(serializers.Serializer):
    market = serializers.CharField(max_length=40)
    price = DecimalStringField()
    ts = serializers.DateTimeField()


class MarksIngestInputSerializer(serializers.Serializer):
    marks = MarkItemInputSerializer(many=True, allow_empty=False, max_length=1000)


class TakenOverOutputSerializer(serializers.Serializer):
    liquidation = serializers.IntegerField(source="pk")
    account = serializers.CharField()
    market = serializers.CharField(source="market.symbol")
    side = serializers.CharField()
    qty = DecimalStringField()
    liquidation_price = DecimalStringField()
    bankruptcy_price = DecimalStringField(allow_null=True)


class MarksIngestOutputSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    taken_over = TakenOverOutputSerializer(many=True)


class CloseItemInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=100)
    market = serializers.CharField(max_length=40)
    price = DecimalStringField()
    ts = serializers.DateTimeField()


class ClosesIngestInputSerializer(serializers.Serializer):
    closes = CloseItemInputSerializer(many=True, allow_empty=False, max_length=1000)


class CloseRecordedOutputSerializer(serializers.Serializer):
    liquidation = serializers.IntegerField(source="pk")
    account = serializers.CharField()
    market = serializers.CharField(source="market.symbol")
    close_price = DecimalStringField()
    status = serializers.CharField()


class ClosesIngestOutputSerializer(serializers.Serializer):
    closes = CloseRecordedOutputSerializer(many=True)


class MarketRiskOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    kind = serializers.CharField()
    fund = serializers.CharField()
    asset = serializers.CharField()
    risk_mode = serializers.CharField()
    last_mark = DecimalStringField(allow_null=True)
    open_interest = AmountStringField()
    fund_balance = AmountStringField()
    adl_lights = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="per side, how many positions show 1, 2, 3, 4 and 5 lights",
    )


class AdlQueueEntryOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    account = serializers.CharField()
    side = serializers.CharField()
    qty = DecimalStringField()
    upnl = AmountStringField()
    score = serializers.CharField(allow_null=True)
    quintile = serializers.IntegerField()
