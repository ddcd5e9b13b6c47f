from datetime import timedelta

import pytest

from common.exceptions import Invalid
from governance.models import Member
from governance.services.signin import signin_message_issue, signin_verify
from governance.siwe import siwe_parse
from tests.governance.conftest import T0

pytestmark = pytest.mark.django_db
DOMAIN = "testserver"


def issue(wallet, now=T0):
    message = signin_message_issue(
        address=wallet.address, domain=DOMAIN, uri="http://testserver/", now=now
    )
    return message.render()


def test_sign_in_round_trip_and_replay_refused(wallets):
    text = issue(wallets[0])
    assert siwe_parse(text).render() == text
    signature = wallets[0].sign_text(text)
    assert signin_verify(message=text, signature=signature, domain=DOMAIN, now=T0) == (
        wallets[0].address
    )
    assert Member.objects.get(address=wallets[0].address).last_signin_at == T0
    with pytest.raises(Invalid, match="already used"):
        signin_verify(message=text, signature=signature, domain=DOMAIN, now=T0)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda t: t.replace(DOMAIN, "evil.example", 1), "domain"),
        (lambda t: t.replace("Chain ID: 31337", "Chain ID: 1"), "chain 1"),
        (lambda t: t.replace("Nonce: ", "Nonce: ff"), "unknown nonce"),
    ],
)
def test_tampered_messages_refused(wallets, mutate, reason):
    text = mutate(issue(wallets[0]))
    with pytest.raises(Invalid, match=reason):
        signin_verify(message=text, signature=wallets[0].sign_text(text), domain=DOMAIN, now=T0)


def test_expired_and_other_key_refused(wallets):
    text = issue(wallets[0])
    with pytest.raises(Invalid, match="expired"):
        signin_verify(
            message=text,
            signature=wallets[0].sign_text(text),
            domain=DOMAIN,
            now=T0 + timedelta(minutes=11),
        )
    with pytest.raises(Invalid, match="not a signature by"):
        signin_verify(message=text, signature=wallets[1].sign_text(text), domain=DOMAIN, now=T0)
    assert not Member.objects.exists()


def test_garbage_is_refused():
    with pytest.raises(Invalid, match="EIP-4361"):
        siwe_parse("hello")


def test_expired_nonces_are_purged(wallets):
    from governance.models import SigninNonce
    from governance.services.signin import signin_nonces_purge

    issue(wallets[0])
    issue(wallets[0], now=T0 + timedelta(days=3))
    assert signin_nonces_purge(now=T0 + timedelta(days=3)) == 1
    assert SigninNonce.objects.count() == 1
