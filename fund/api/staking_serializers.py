"""Serializers of the staking API, each named for its one use.

Amounts and shares travel as integer strings (shares exceed 2**53); prices as decimal strings.
"""

from rest_framework import serializers

INTEGER = r"^[0-9]{1,78}$"


class StakeCreateInputSerializer(serializers.Serializer):
    amount = serializers.RegexField(INTEGER, help_text="integer string, smallest unit")
    tx_hash = serializers.RegexField(
        r"^0x[0-9a-fA-F]{64}$",
        required=False,
        help_text="stake a confirmed on-chain transfer to the fund's Safe instead of balance",
    )


class UnstakeRequestInputSerializer(serializers.Serializer):
    shares = serializers.RegexField(INTEGER, help_text="integer string")


class StakeDepositOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.CharField(source="fund.name")
    address = serializers.CharField()
    source = serializers.CharField()
    tx_hash = serializers.CharField(source="onchain.tx_hash", default=None, allow_null=True)
    amount = serializers.CharField()
    shares = serializers.CharField()
    at = serializers.DateTimeField()
    entry_seq = serializers.IntegerField(source="entry.seq")


class UnstakeRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.CharField(source="fund.name")
    address = serializers.CharField()
    shares = serializers.CharField()
    value_at_request = serializers.CharField()
    requested_at = serializers.DateTimeField()
    available_at = serializers.DateTimeField()
    status = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    paid = serializers.CharField(allow_null=True)


class SharePricePointOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    price = serializers.CharField()


class RewardEpochOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    root = serializers.CharField(help_text="MerkleDistributor root, 0x-hex")
    total = serializers.CharField()


class StakingStatsOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    asset = serializers.CharField()
    decimals = serializers.IntegerField()
    total_staked = serializers.CharField(help_text="stakers' value, smallest unit")
    stakers = serializers.IntegerField()
    total_shares = serializers.CharField()
    protocol_shares = serializers.CharField()
    share_price = serializers.CharField(help_text="asset per whole share (10**decimals × 10**6)")
    apr_30d = serializers.DecimalField(
        max_digits=30, decimal_places=2, allow_null=True, help_text="percent, simple"
    )
    history = SharePricePointOutputSerializer(many=True)
    epochs = RewardEpochOutputSerializer(many=True, help_text="the latest closed reward epochs")


class StakePositionOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    asset = serializers.CharField()
    decimals = serializers.IntegerField()
    shares = serializers.CharField()
    free_shares = serializers.CharField()
    value = serializers.CharField()
    points = serializers.CharField()


class RewardClaimOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    epoch = serializers.IntegerField()
    root = serializers.CharField()
    index = serializers.IntegerField()
    address = serializers.CharField()
    amount = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField())


class OnchainDepositOutputSerializer(serializers.Serializer):
    tx_hash = serializers.CharField()
    fund = serializers.CharField()
    asset = serializers.CharField()
    amount = serializers.CharField()
    confirmed = serializers.BooleanField()


class MyStakeOutputSerializer(serializers.Serializer):
    address = serializers.CharField()
    positions = StakePositionOutputSerializer(many=True)
    unstakes = UnstakeRequestOutputSerializer(many=True)
    rewards = RewardClaimOutputSerializer(many=True)
    deposits = OnchainDepositOutputSerializer(many=True, help_text="transfers not staked yet")


class RewardDistributionClaimOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    amount = serializers.CharField(help_text="hex, as parse-balance-map writes it")
    proof = serializers.ListField(child=serializers.CharField())


class RewardDistributionOutputSerializer(serializers.Serializer):
    merkleRoot = serializers.CharField()  # noqa: N815 - the distributor tooling's field name
    tokenTotal = serializers.CharField()  # noqa: N815
    claims = serializers.DictField(
        child=RewardDistributionClaimOutputSerializer(), help_text="by checksummed address"
    )
