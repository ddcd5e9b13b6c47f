"""Input and output shapes of the custody API (amounts as integer strings)."""

from rest_framework import serializers


class FundStatusOutputSerializer(serializers.Serializer):
    fund = serializers.CharField(source="fund.name")
    assets = serializers.CharField(allow_null=True)
    liabilities = serializers.CharField()
    solvent = serializers.BooleanField(allow_null=True)
    staker_root = serializers.CharField()
    staker_total = serializers.CharField()


class EpochOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    cut_seq = serializers.IntegerField()
    ledger_root = serializers.CharField()
    chains = serializers.ListField(child=serializers.DictField())
    digest = serializers.CharField()
    signer = serializers.CharField()
    funds = FundStatusOutputSerializer(many=True)


class ProofPathItemOutputSerializer(serializers.Serializer):
    hash = serializers.CharField()
    sum = serializers.CharField()


class StakerProofOutputSerializer(serializers.Serializer):
    epoch = serializers.IntegerField()
    fund = serializers.CharField()
    id = serializers.CharField()
    amount = serializers.CharField()
    index = serializers.IntegerField()
    size = serializers.IntegerField()
    root = serializers.CharField()
    total = serializers.CharField()
    path = ProofPathItemOutputSerializer(many=True)
    verified = serializers.BooleanField()


class PayoutsPausedOutputSerializer(serializers.Serializer):
    fund = serializers.CharField()
    paused = serializers.BooleanField()


class WalletTrackInputSerializer(serializers.Serializer):
    chain_id = serializers.IntegerField(min_value=1)
    address = serializers.CharField(max_length=42)
    kind = serializers.ChoiceField(choices=["safe", "eoa"])
    fund = serializers.CharField(max_length=50)
    label = serializers.CharField(max_length=100, required=False, default="")


class WalletOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    chain_id = serializers.IntegerField()
    address = serializers.CharField()
    kind = serializers.CharField()
    fund = serializers.CharField(source="fund.name")
    label = serializers.CharField()


class ChallengeOutputSerializer(serializers.Serializer):
    nonce = serializers.CharField()
    message = serializers.CharField()
    expires_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)


class ChallengeVerifyInputSerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=65 * 2 * 20 + 2)
