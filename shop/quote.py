"""What an order of these lines would cost: the inputs of shop.pricing read from the
database (shipping methods, tax rates, the voucher) and checked, then priced.

The quote endpoint and the checkout both call `quote_make`, so the order created from the
same cart, address, method and voucher has exactly the quoted figures. The checkout calls
it with the voucher locked and with the prices of the variants its stock reservation
locked.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from catalog.models import Variant
from shop import pricing
from shop.models import ShippingMethod, Voucher
from shop.money import money_format
from shop.shipping import Destination, shipping_method_choose, shipping_options
from shop.tax import tax_rates_for
from shop.vouchers import voucher_check, voucher_find


@dataclass(frozen=True)
class QuoteLine:
    key: int  # the cart line's id
    variant: Variant  # with its product
    quantity: int


@dataclass(frozen=True)
class Quote:
    totals: pricing.Totals
    currency: str
    shipping_methods: tuple[ShippingMethod, ...]  # those that serve the address
    shipping_prices: dict[int, Decimal]  # what each would cost this cart
    shipping_method: ShippingMethod | None
    voucher: Voucher | None
    notes: tuple[str, ...]  # what the figures assume, in words (no tax rate, ...)


def _shipping_in(method: ShippingMethod, tax_rate: Decimal) -> pricing.ShippingIn:
    return pricing.ShippingIn(price=method.price, free_above=method.free_above, tax_rate=tax_rate)


def quote_make(
    *,
    lines: Sequence[QuoteLine],
    destination: Destination,
    shipping_method_id: int | None,
    voucher_code: str | None,
    email: str,
    checkout: bool = False,
) -> Quote:
    """Price `lines` shipped to `destination`. `checkout`: a method is required when one
    serves, and the voucher is read locked (the caller then takes its use). Raises
    ShippingUnavailable, ShippingMethodRequired or VoucherInvalid; writes nothing."""
    currency = settings.NOVACART_CURRENCY
    weight = sum((line.variant.weight_grams or 0) * line.quantity for line in lines)
    options = shipping_options(destination=destination, weight_grams=weight)
    method = shipping_method_choose(
        options=options, method_id=shipping_method_id, required=checkout
    )
    rates = tax_rates_for(destination)
    priced_lines = [
        pricing.LineIn(
            key=line.key,
            unit_price=line.variant.price,
            quantity=line.quantity,
            tax_rate=rates.rate(line.variant.product.tax_class),
        )
        for line in lines
    ]
    voucher = None
    if voucher_code:
        voucher = voucher_find(code=voucher_code, lock=checkout)
        subtotal = sum((line.unit_price * line.quantity for line in priced_lines), pricing.ZERO)
        voucher_check(voucher=voucher, subtotal=subtotal, email=email, currency=currency)
    voucher_in = pricing.VoucherIn(kind=voucher.kind, value=voucher.value) if voucher else None
    include = settings.PRICES_INCLUDE_TAX
    totals = pricing.price(
        lines=priced_lines,
        shipping=_shipping_in(method, rates.shipping_rate()) if method else None,
        voucher=voucher_in,
        prices_include_tax=include,
    )
    discounted = totals.subtotal - totals.discount_total
    shipping_prices = {
        offer.pk: pricing.shipping_price(
            _shipping_in(offer, rates.shipping_rate()),
            discounted_subtotal=discounted,
            voucher=voucher_in,
        )
        for offer in options.serving
    }
    notes = []
    if not rates.found:
        place = f"{destination.country}-{destination.state}" if destination.state else ""
        notes.append(f"No tax rate is set for {place or destination.country}: no tax is charged.")
    if not options.configured:
        notes.append("Shipping is free: the shop charges no shipping.")
    elif method is None:
        notes.append("No shipping method chosen yet: shipping is not included.")
    if include:
        notes.append(f"Prices include tax: {money_format(totals.tax_total, currency)} of it.")
    return Quote(
        totals=totals,
        currency=currency,
        shipping_methods=options.serving,
        shipping_prices=shipping_prices,
        shipping_method=method,
        voucher=voucher,
        notes=tuple(notes),
    )
