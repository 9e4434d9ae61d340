"""Apply what Stripe has for the intents of unpaid orders: for webhooks that were lost.

Safe to run at any time and again (every change is monotonic); scheduled in render.yaml.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.services import payments_reconcile


class Command(BaseCommand):
    help = "Ask Stripe about the PaymentIntent of each PENDING order and apply what it says."

    def handle(self, *args: Any, **options: Any) -> None:
        report = payments_reconcile()
        for line in report.applied:
            self.stdout.write(line)
        for line in report.errors:
            self.stderr.write(line)
        summary = f"{len(report.applied)} checked, {len(report.errors)} failed."
        if report.errors:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
