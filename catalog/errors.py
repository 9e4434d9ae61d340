"""The catalog's domain errors (raised by its services and selectors)."""

from typing import TypedDict

from core.errors import Conflict, DomainError, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"


class WishlistItemNotFound(NotFound):
    code = "wishlist_item_not_found"


class SkuTaken(Conflict):
    code = "sku_taken"


class SlugTaken(Conflict):
    code = "slug_taken"


class ShortLine(TypedDict):
    product_id: int
    variant_id: int
    requested: int
    available: int


class OutOfStock(Conflict):
    """Not enough stock (or no longer on sale) for some variants; nothing was reserved."""

    code = "out_of_stock"
    fields = {
        "product_ids": list[int],
        "variant_ids": list[int],
        "available": int,
        "lines": list[ShortLine],
    }


class StockMoved(Conflict):
    """A stock figure was to be set from one that orders or staff changed since it was read."""

    code = "stock_moved"
    fields = {"sku": str, "expected": int, "stock": int}


class StockBelowZero(DomainError):
    """A stock adjustment would leave less than nothing."""

    code = "stock_below_zero"
    status = 422
    fields = {"sku": str, "stock": int}


class ImportTooLarge(DomainError):
    """A spreadsheet over the admin's import limits (catalog.import_limits)."""

    code = "import_too_large"
    status = 413


class UnknownCategory(DomainError):
    code = "unknown_category"
    status = 422


class ProductInvalid(DomainError):
    """A product that breaks a field rule; `errors` maps each field to its messages."""

    code = "invalid_product"
    status = 422
    fields = {"errors": dict[str, list[str]]}


class LastVariant(Conflict):
    """A product keeps at least one variant."""

    code = "last_variant"


class VariantNotFound(NotFound):
    code = "variant_not_found"


class VariantRequired(DomainError):
    """A product with several variants was named where one variant is meant (cart add)."""

    code = "variant_required"
    status = 422
    fields = {"variant_ids": list[int]}
