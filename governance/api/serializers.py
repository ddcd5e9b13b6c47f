"""Input and output serializers of the governance API, each named for its one use."""

from rest_framework import serializers


class SigninMessageInputSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=42)


class SigninMessageOutputSerializer(serializers.Serializer):
    message = serializers.CharField()


class SigninVerifyInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=4000)
    signature = serializers.CharField(max_length=4000)


class MemberOutputSerializer(serializers.Serializer):
    address = serializers.CharField(allow_null=True)


class ProposalChangeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    scope = serializers.CharField(max_length=120, default="global")
    value = serializers.CharField(max_length=100, allow_blank=True, allow_null=True)


class ProposalCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, allow_blank=True, default="")
    changes = ProposalChangeInputSerializer(many=True)


class TallyOutputSerializer(serializers.Serializer):
    for_votes = serializers.CharField()
    against = serializers.CharField()
    abstain = serializers.CharField()
    voters = serializers.IntegerField()
    quorum = serializers.CharField()
    quorum_reached = serializers.BooleanField()
    passed = serializers.BooleanField()


class ProposalChangeOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    scope = serializers.CharField()
    current = serializers.CharField(allow_null=True)
    proposed = serializers.CharField(allow_null=True)
    minimum = serializers.CharField(allow_null=True)
    maximum = serializers.CharField(allow_null=True)
    max_step = serializers.CharField(allow_null=True)
    unit = serializers.CharField()


class ProposalListOutputSerializer(serializers.Serializer):
    proposal_id = serializers.CharField()
    title = serializers.CharField()
    proposer = serializers.CharField()
    state = serializers.CharField()
    vote_start = serializers.DateTimeField()
    vote_end = serializers.DateTimeField()
    eta = serializers.DateTimeField(allow_null=True)


class ProposalDetailOutputSerializer(ProposalListOutputSerializer):
    description = serializers.CharField()
    description_hash = serializers.CharField()
    snapshot_at = serializers.DateTimeField()
    snapshot_block = serializers.IntegerField(allow_null=True)
    quorum = serializers.CharField()
    vote_threshold = serializers.DecimalField(max_digits=12, decimal_places=8)
    extended = serializers.BooleanField()
    executed_at = serializers.DateTimeField(allow_null=True)
    canceled_at = serializers.DateTimeField(allow_null=True)
    canceled_by = serializers.CharField()
    last_error = serializers.CharField()


class BallotInputSerializer(serializers.Serializer):
    voter = serializers.CharField(max_length=42)
    support = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="", max_length=2000)
    nonce = serializers.IntegerField(min_value=0)
    chain_id = serializers.IntegerField()
    signature = serializers.CharField(max_length=4000)


class BallotOutputSerializer(serializers.Serializer):
    voter = serializers.CharField()
    support = serializers.IntegerField()
    reason = serializers.CharField()
    weight = serializers.CharField()
    via = serializers.CharField()
    cast_at = serializers.DateTimeField()


class TypedDataOutputSerializer(serializers.Serializer):
    types = serializers.DictField()
    primaryType = serializers.CharField()  # the EIP-712 JSON key, camelCase on purpose
    domain = serializers.DictField()
    message = serializers.DictField()


class VoterQueryInputSerializer(serializers.Serializer):
    voter = serializers.CharField(max_length=42)
    support = serializers.IntegerField(default=1)
    reason = serializers.CharField(allow_blank=True, default="", max_length=2000)


class GuardianCancelInputSerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class DelegationQueryInputSerializer(serializers.Serializer):
    delegator = serializers.CharField(max_length=42)
    delegatee = serializers.CharField(max_length=42)


class DelegationInputSerializer(serializers.Serializer):
    delegator = serializers.CharField(max_length=42)
    delegatee = serializers.CharField(max_length=42)
    nonce = serializers.IntegerField(min_value=0)
    expiry = serializers.IntegerField(min_value=0)
    chain_id = serializers.IntegerField()
    signature = serializers.CharField(max_length=4000)


class DelegationOutputSerializer(serializers.Serializer):
    delegator = serializers.CharField()
    delegatee = serializers.CharField()
    created_at = serializers.DateTimeField()


class ParamOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    app = serializers.CharField()
    kind = serializers.CharField()
    help = serializers.CharField()
    unit = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    value = serializers.CharField(allow_null=True)
    min = serializers.CharField(allow_null=True)
    max = serializers.CharField(allow_null=True)
    max_step = serializers.CharField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())


class TallyExportOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    domain = serializers.DictField()
    proposal = serializers.DictField()
    snapshot = serializers.ListField(child=serializers.DictField())
    ballots = serializers.ListField(child=serializers.DictField())
    result = serializers.DictField()
