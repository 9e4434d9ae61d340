"""Prove the stock invariant: every variant's stock is the sum of its movements.

Scheduled in render.yaml. Exit status 1 when any variant drifts, so the cron's failure
is what alerts; `--fix` records a `correction` movement for each drift (the stock
figure, what checkouts sell from, is kept) and then exits 0.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.inventory import stock_drift, stock_drift_correct


class Command(BaseCommand):
    help = (
        "Recompute each variant's stock from its stock movements and report any drift "
        "(exit 1); --fix records a correcting movement for each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Record a correction movement for each drift, so the ledger sums again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        drift = stock_drift()
        if not drift:
            self.stdout.write("Stock checked: every variant's movements sum to its stock.")
            return
        for found in drift:
            variant = found.variant
            self.stdout.write(
                f"{variant.sku} ({variant.product.name}): stock {variant.stock}, movements "
                f"sum to {found.ledger} ({found.difference:+d})."
            )
        if options["fix"]:
            stock_drift_correct(drift=drift)
            self.stdout.write(f"{len(drift)} correction movement(s) recorded.")
            return
        raise CommandError(
            f"{len(drift)} variant(s) drift from their movements: run check_stock --fix "
            "after finding the cause."
        )
