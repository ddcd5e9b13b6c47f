from django.db import models


class Fund(models.Model):
    """An insurance fund holding one settle asset; markets point at it (pooled or isolated)."""

    class Kind(models.TextChoices):
        POOLED = "pooled", "pooled (shared by several markets)"
        ISOLATED = "isolated", "isolated (one market)"

    name = models.SlugField(max_length=50, unique=True)
    asset = models.ForeignKey("fund.Asset", on_delete=models.PROTECT, related_name="funds")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POOLED)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
