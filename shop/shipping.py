"""Which shipping methods serve an address and a cart's weight (the zones of the admin).

With no active method at all the shop does not charge for shipping: a checkout then needs
no method (as in v1). Once methods exist, an address that none serves cannot be shipped to.
"""

from dataclasses import dataclass

from shop.errors import ShippingMethodRequired, ShippingUnavailable
from shop.models import ShippingMethod


@dataclass(frozen=True)
class Destination:
    country: str  # ISO 3166-1 alpha-2, upper case
    state: str = ""


@dataclass(frozen=True)
class ShippingOptions:
    configured: bool  # some active method exists: shipping must be chosen
    serving: tuple[ShippingMethod, ...]  # those that serve the destination and weight


def shipping_options(*, destination: Destination, weight_grams: int) -> ShippingOptions:
    """The active methods that serve `destination` for a cart of `weight_grams`. One query."""
    active = ShippingMethod.objects.filter(is_active=True).select_related("zone")
    methods = list(active.order_by("position", "price", "id"))
    serving = tuple(
        method
        for method in methods
        if method.zone.serves(country=destination.country, state=destination.state)
        and method.carries(weight_grams)
    )
    return ShippingOptions(configured=bool(methods), serving=serving)


def shipping_method_choose(
    *, options: ShippingOptions, method_id: int | None, required: bool
) -> ShippingMethod | None:
    """The chosen method, checked against `options`.

    Shipping configured but nothing serves the address: ShippingUnavailable. A method that
    is not one of `options.serving` (unknown, inactive, another zone's, outside its weight
    band): ShippingUnavailable. None chosen: None, unless `required` (a checkout) and some
    method serves, then ShippingMethodRequired.
    """
    serving_ids = [method.pk for method in options.serving]
    if options.configured and not options.serving:
        raise ShippingUnavailable(
            "We do not ship to this address (or not this heavy a parcel).",
            shipping_method_ids=[],
        )
    if method_id is None:
        if required and options.serving:
            raise ShippingMethodRequired(
                "Choose a shipping method (shipping_method_id).", shipping_method_ids=serving_ids
            )
        return None
    for method in options.serving:
        if method.pk == method_id:
            return method
    raise ShippingUnavailable(
        "This shipping method does not serve this address: choose one of those offered.",
        shipping_method_ids=serving_ids,
    )
