"""Input and output serializers of the public fund-ledger API, each named for its one use.

Amounts go out as integer strings in the asset's smallest unit, with the asset's decimals
beside them so a client can show whole units without floats.
"""

from rest_framework import serializers


class FundRangeInputSerializer(serializers.Serializer):
    """A range of UTC days, both ends included; defaults to the last 90 days."""

    from_ = serializers.DateField(required=False, source="first")
    to = serializers.DateField(required=False, source="last")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FundEntriesInputSerializer(FundRangeInputSerializer):
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


class FundAssetOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    decimals = serializers.IntegerField()
    chain_id = serializers.IntegerField(allow_null=True)
    token_address = serializers.CharField()


class FundOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    asset = FundAssetOutputSerializer()
    balance = serializers.CharField(help_text="integer string in the asset's smallest unit")


class FundDayOutputSerializer(serializers.Serializer):
    day = serializers.DateField()
    closing = serializers.CharField()
    net = serializers.CharField()
    entries = serializers.IntegerField()


class FundDaysOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    decimals = serializers.IntegerField()
    days = FundDayOutputSerializer(many=True)


class FundEntryOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    key = serializers.CharField(source="entry.key")
    kind = serializers.CharField()
    event_time = serializers.DateTimeField()
    change = serializers.CharField()
    balance_after = serializers.CharField()
    memo = serializers.CharField(source="entry.memo")
    hash = serializers.CharField(source="entry.hash")


class FundEntriesOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    decimals = serializers.IntegerField()
    next_cursor = serializers.CharField(allow_null=True)
    next = serializers.CharField(allow_null=True, help_text="URL of the next page")
    results = FundEntryOutputSerializer(many=True)


class FundKindTotalOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    inflow = serializers.CharField()
    outflow = serializers.CharField()
    entries = serializers.IntegerField()


class FundTotalsOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    decimals = serializers.IntegerField()
    first = serializers.DateField(source="days.first")
    last = serializers.DateField(source="days.last")
    totals = FundKindTotalOutputSerializer(many=True)


class StatementEntryRefOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()


class FundStatementOutputSerializer(serializers.Serializer):
    fund = serializers.CharField(source="fund.name")
    asset = serializers.CharField(source="fund.asset.symbol")
    decimals = serializers.IntegerField(source="fund.asset.decimals")
    month = serializers.CharField()
    opening = serializers.CharField()
    inflows = serializers.DictField(child=serializers.CharField())
    outflows = serializers.DictField(child=serializers.CharField())
    total_inflow = serializers.CharField()
    total_outflow = serializers.CharField()
    closing = serializers.CharField()
    entries = serializers.IntegerField()
    first_entry = StatementEntryRefOutputSerializer(allow_null=True)
    last_entry = StatementEntryRefOutputSerializer(allow_null=True)
