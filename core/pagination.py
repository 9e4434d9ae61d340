"""The one list shape of the API: `{"items": [...], "count": N}` with ?limit=&offset=."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Deep enough for any real catalog; bounded so the SQL OFFSET always fits a 64-bit integer.
MAX_OFFSET = 2**31 - 1


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with the contract's bounds: beyond them, 422."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
