from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models


class Asset(models.Model):
    """A settle asset; every amount of it is an integer count of 10**-decimals units."""

    symbol = models.CharField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9.]{1,20}$", "upper-case letters and digits")],
    )
    decimals = models.PositiveSmallIntegerField(validators=[MaxValueValidator(36)])
    chain_id = models.PositiveBigIntegerField(null=True, blank=True)
    token_address = models.CharField(max_length=42, blank=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol
