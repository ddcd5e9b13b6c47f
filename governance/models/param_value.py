from django.db import models


class ParamValue(models.Model):
    """One version of a parameter's value at one scope, in force from ``effective_at``.

    Rows are never updated: a change is a new row. ``value`` is the parameter's text form
    (NULL means "unset", e.g. no cap). ``source`` says what made the change: ``seed`` at
    install time, ``replay`` for a scenario, ``proposal:<id>`` for governance.
    """

    name = models.CharField(max_length=64)
    scope = models.CharField(max_length=120, default="global")
    value = models.TextField(null=True, blank=True)
    effective_at = models.DateTimeField()
    source = models.CharField(max_length=120)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["name", "scope", "effective_at"])]
        ordering = ["name", "scope", "effective_at", "id"]

    def __str__(self) -> str:
        return f"{self.name}@{self.scope}={self.value} from {self.effective_at:%Y-%m-%d %H:%M}"
