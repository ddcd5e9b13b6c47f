"""Governance API: sign-in, proposals, ballots, delegation, tally export, parameters.

Views check the shape of the input, call one service or selector, and shape the output.
Ballots and delegations carry their own EIP-712 signatures, so they need no session.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from governance.api import serializers as s
from governance.auth import IsMember, member_address, member_login, member_logout
from governance.eip712 import address_check, typed_data
from governance.selectors.export import tally_export
from governance.selectors.proposals import (
    change_rows,
    member_nonce,
    param_catalog,
    proposal_get,
    proposal_list,
    voters,
)
from governance.selectors.tally import tally_summary
from governance.services.ballots import ballot_cast, delegation_record, domain_current
from governance.services.lifecycle import (
    proposal_cancel_by_guardian,
    proposal_cancel_by_proposer,
)
from governance.services.proposals import proposal_create
from governance.services.signin import signin_message_issue, signin_verify

ERRORS = {
    400: ErrorOutputSerializer,
    403: ErrorOutputSerializer,
    404: ErrorOutputSerializer,
    409: ErrorOutputSerializer,
    503: ErrorOutputSerializer,
}
TAGS = ["governance"]


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SigninMessageApi(APIView):
    @extend_schema(
        tags=TAGS,
        request=s.SigninMessageInputSerializer,
        responses={200: s.SigninMessageOutputSerializer, **ERRORS},
        summary="A fresh EIP-4361 message (server nonce, 10 minutes) for the wallet to sign",
    )
    def post(self, request):
        data = _valid(s.SigninMessageInputSerializer, request.data)
        message = signin_message_issue(
            address=data["address"],
            domain=request.get_host(),
            uri=request.build_absolute_uri("/"),
            now=timezone.now(),
        )
        return Response({"message": message.render()})


class SigninVerifyApi(APIView):
    @extend_schema(
        tags=TAGS,
        request=s.SigninVerifyInputSerializer,
        responses={200: s.MemberOutputSerializer, **ERRORS},
        summary="Verify the signed message and start a member session",
    )
    def post(self, request):
        data = _valid(s.SigninVerifyInputSerializer, request.data)
        address = signin_verify(
            message=data["message"],
            signature=data["signature"],
            domain=request.get_host(),
            now=timezone.now(),
        )
        member_login(request, address)
        return Response({"address": address})


class SessionApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.MemberOutputSerializer},
        summary="Who is signed in (also sets the CSRF cookie member POSTs need)",
    )
    @method_decorator(ensure_csrf_cookie)
    def get(self, request):
        return Response({"address": member_address(request)})

    @extend_schema(tags=TAGS, request=None, responses={200: s.MemberOutputSerializer})
    def delete(self, request):
        member_logout(request)
        return Response({"address": None})


class ProposalListApi(APIView):
    def get_permissions(self):
        return [IsMember()] if self.request.method == "POST" else []

    @extend_schema(
        tags=TAGS,
        responses={200: s.ProposalListOutputSerializer(many=True)},
        summary="The latest 100 proposals, newest first (?state= filters)",
    )
    def get(self, request):
        rows = proposal_list(state=request.query_params.get("state"))
        return Response(s.ProposalListOutputSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=s.ProposalCreateInputSerializer,
        responses={201: s.ProposalDetailOutputSerializer, **ERRORS},
        summary="Propose parameter changes (signed-in member; CSRF token required)",
    )
    def post(self, request):
        data = _valid(s.ProposalCreateInputSerializer, request.data)
        proposal = proposal_create(
            proposer=member_address(request),
            title=data["title"],
            description=data["description"],
            changes=[dict(change) for change in data["changes"]],
            now=timezone.now(),
        )
        return Response(
            s.ProposalDetailOutputSerializer(proposal).data, status=status.HTTP_201_CREATED
        )


class ProposalDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.ProposalDetailOutputSerializer, **ERRORS},
        summary="One proposal by its proposalId (0x-hex keccak-256 of its content)",
    )
    def get(self, request, proposal_id: str):
        return Response(s.ProposalDetailOutputSerializer(proposal_get(proposal_id)).data)


class ProposalChangesApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.ProposalChangeOutputSerializer(many=True), **ERRORS},
        summary="The proposal's changes as a diff: value in force now, proposed, bounds",
    )
    def get(self, request, proposal_id: str):
        rows = change_rows(proposal_get(proposal_id), at=timezone.now())
        return Response(s.ProposalChangeOutputSerializer(rows, many=True).data)


class ProposalTallyApi(APIView):
    @extend_schema(tags=TAGS, responses={200: s.TallyOutputSerializer, **ERRORS})
    def get(self, request, proposal_id: str):
        return Response(s.TallyOutputSerializer(tally_summary(proposal_get(proposal_id))).data)


class BallotTypedDataApi(APIView):
    @extend_schema(
        tags=TAGS,
        parameters=[s.VoterQueryInputSerializer],
        responses={200: s.TypedDataOutputSerializer, **ERRORS},
        summary="The EIP-712 ballot for eth_signTypedData_v4, with the voter's next nonce",
    )
    def get(self, request, proposal_id: str):
        query = _valid(s.VoterQueryInputSerializer, request.query_params)
        proposal = proposal_get(proposal_id)
        voter = address_check(query["voter"], path="voter")
        message = {
            "proposalId": proposal.proposal_id,
            "support": query["support"],
            "reason": query["reason"],
            "nonce": str(member_nonce(voter)),
        }
        return Response(typed_data(domain_current(), "Ballot", message))


class BallotListApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.BallotOutputSerializer(many=True), **ERRORS},
        summary="Voters, largest weight first (at most 500; the export has all)",
    )
    def get(self, request, proposal_id: str):
        rows = voters(proposal_get(proposal_id))
        return Response(s.BallotOutputSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=s.BallotInputSerializer,
        responses={201: s.BallotOutputSerializer, **ERRORS},
        summary="Cast an EIP-712 signed ballot (support 0 against, 1 for, 2 abstain)",
    )
    def post(self, request, proposal_id: str):
        data = _valid(s.BallotInputSerializer, request.data)
        ballot = ballot_cast(proposal_id=proposal_id.lower(), now=timezone.now(), **data)
        return Response(s.BallotOutputSerializer(ballot).data, status=status.HTTP_201_CREATED)


class ProposalCancelApi(APIView):
    @extend_schema(
        tags=TAGS,
        request=s.GuardianCancelInputSerializer,
        responses={200: s.ProposalDetailOutputSerializer, **ERRORS},
        summary="Cancel: the guardian Safe's EIP-1271 signature of Cancel(proposalId), "
        "or without one the signed-in proposer before voting starts",
    )
    def post(self, request, proposal_id: str):
        data = _valid(s.GuardianCancelInputSerializer, request.data)
        proposal = proposal_get(proposal_id)
        if data.get("signature"):
            proposal = proposal_cancel_by_guardian(
                proposal_pk=proposal.pk, signature=data["signature"], now=timezone.now()
            )
        else:
            if not IsMember().has_permission(request, self):
                self.permission_denied(request, message=IsMember.message)
            proposal = proposal_cancel_by_proposer(
                proposal_pk=proposal.pk, proposer=member_address(request), now=timezone.now()
            )
        return Response(s.ProposalDetailOutputSerializer(proposal).data)


class CancelTypedDataApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.TypedDataOutputSerializer, **ERRORS},
        summary="The EIP-712 Cancel(proposalId) the guardian Safe's owners sign (EIP-1271)",
    )
    def get(self, request, proposal_id: str):
        proposal = proposal_get(proposal_id)
        return Response(
            typed_data(domain_current(), "Cancel", {"proposalId": proposal.proposal_id})
        )


class ProposalExportApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.TallyExportOutputSerializer, **ERRORS},
        summary="Tally export: every ballot with its signature and the power snapshot",
    )
    def get(self, request, proposal_id: str):
        return Response(tally_export(proposal_get(proposal_id)))


class DelegationTypedDataApi(APIView):
    @extend_schema(
        tags=TAGS,
        parameters=[s.DelegationQueryInputSerializer],
        responses={200: s.TypedDataOutputSerializer, **ERRORS},
        summary="The EIP-712 delegation to sign (valid for one day)",
    )
    def get(self, request):
        query = _valid(s.DelegationQueryInputSerializer, request.query_params)
        delegator = address_check(query["delegator"], path="delegator")
        message = {
            "delegatee": address_check(query["delegatee"], path="delegatee"),
            "nonce": str(member_nonce(delegator)),
            "expiry": str(int(timezone.now().timestamp()) + 86400),
        }
        return Response(typed_data(domain_current(), "Delegation", message))


class DelegationCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        request=s.DelegationInputSerializer,
        responses={201: s.DelegationOutputSerializer, **ERRORS},
        summary="Delegate voting power by signed message (to yourself to take it back)",
    )
    def post(self, request):
        data = _valid(s.DelegationInputSerializer, request.data)
        delegation = delegation_record(now=timezone.now(), **data)
        return Response(
            s.DelegationOutputSerializer(delegation).data, status=status.HTTP_201_CREATED
        )


class ParamListApi(APIView):
    @extend_schema(
        tags=TAGS,
        responses={200: s.ParamOutputSerializer(many=True)},
        summary="Every governable parameter: global value in force, bounds, max step",
    )
    def get(self, request):
        return Response(s.ParamOutputSerializer(param_catalog(at=timezone.now()), many=True).data)
