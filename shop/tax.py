"""The tax rates of an address: per tax class, a state's rate before its country's."""

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.models import TaxClass
from shop.models import TaxRate
from shop.shipping import Destination

NO_TAX = Decimal(0)


@dataclass(frozen=True)
class TaxRates:
    by_class: dict[str, TaxRate] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.by_class)

    def rate(self, tax_class: str) -> Decimal:
        """The percent of `tax_class`; 0 when no rate is set for it."""
        found = self.by_class.get(tax_class)
        return found.rate if found is not None else NO_TAX

    def shipping_rate(self) -> Decimal:
        """Shipping is taxed at the standard rate when that rate says so."""
        standard = self.by_class.get(TaxClass.STANDARD)
        return standard.rate if standard is not None and standard.applies_to_shipping else NO_TAX


def tax_rates_for(destination: Destination) -> TaxRates:
    """The rates that apply at `destination`. One query."""
    state = destination.state.strip().upper()
    rates = TaxRate.objects.filter(country=destination.country, state__in={"", state})
    by_class: dict[str, TaxRate] = {}
    for rate in sorted(rates, key=lambda rate: bool(rate.state)):  # the state's rate wins
        by_class[rate.tax_class] = rate
    return TaxRates(by_class=by_class)
