from django.core.management.base import BaseCommand, CommandError

from common.models import AuditEntry
from common.services.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exits non-zero at the first broken entry."

    def handle(self, *args, **options):
        problem = audit_chain_verify()
        if problem:
            raise CommandError(f"audit log broken at entry #{problem.seq}: {problem.reason}")
        self.stdout.write(
            self.style.SUCCESS(f"audit log verified: {AuditEntry.objects.count()} entries")
        )
