from governance.models.ballot import Ballot, Delegation, PowerSnapshot, Support
from governance.models.member import Member, SigninNonce
from governance.models.param_value import ParamValue
from governance.models.proposal import FINAL_STATES, Proposal, ProposalState

__all__ = [
    "FINAL_STATES",
    "Ballot",
    "Delegation",
    "Member",
    "ParamValue",
    "PowerSnapshot",
    "Proposal",
    "ProposalState",
    "SigninNonce",
    "Support",
]
