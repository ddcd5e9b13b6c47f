from django.db import models


class Member(models.Model):
    """A wallet that has signed in or signed a governance message.

    ``nonce`` is the next nonce this address may sign a ballot or delegation with (as
    OpenZeppelin's ``Nonces``): each accepted message uses it up, so none can be replayed.
    """

    address = models.CharField(max_length=42, primary_key=True)
    nonce = models.BigIntegerField(default=0)
    first_seen_at = models.DateTimeField()
    last_signin_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.address


class SigninNonce(models.Model):
    """A server-issued EIP-4361 nonce; used once, and only before it expires."""

    nonce = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.CharField(max_length=42, blank=True)

    def __str__(self) -> str:
        return self.nonce
