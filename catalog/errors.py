"""The catalog's domain errors (raised by its services and selectors)."""

from core.errors import Conflict, DomainError, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"


class WishlistItemNotFound(NotFound):
    code = "wishlist_item_not_found"


class SkuTaken(Conflict):
    code = "sku_taken"


class SlugTaken(Conflict):
    code = "slug_taken"


class StockMoved(Conflict):
    """An import would set a stock figure that orders changed after the file was read."""

    code = "stock_moved"
    fields = {"sku": str}


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
