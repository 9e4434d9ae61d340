"""Cell converters for the catalog spreadsheets (django-import-export widgets).

Each widget turns one cell into a model value or raises `ValueError` with a sentence a
merchant can act on; import-export files that error under the column's name. They also
render values for export and neutralise spreadsheet formulae there: a text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading
apostrophe (OWASP "CSV injection"), and that apostrophe is removed again on import, so
an exported file re-imports unchanged.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model
from django.utils.encoding import force_str
from import_export import widgets

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = frozenset({"1", "true", "yes", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "n"})
MAX_INTEGER_DIGITS = 18  # beyond any stock or position; stops absurd values early


def formula_escape(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def formula_unescape(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as text. XLSX hands over numbers: SKU 1234 may arrive as 1234 or 1234.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return force_str(value)


def cell_decimal(value: Any) -> Decimal | None:
    text = cell_text(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{text}” is not a number.")
    return number


class TextWidget(widgets.CharWidget):
    """Plain text; surrounding spaces are dropped unless `strip=False`."""

    def __init__(self, *, strip: bool = True) -> None:
        super().__init__(coerce_to_string=True, allow_blank=True)
        self.strip = strip

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = cell_text(value)
        return formula_unescape(text.strip() if self.strip else text)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else formula_escape(force_str(value))


class PriceWidget(widgets.DecimalWidget):
    """A decimal, or None for a blank cell (the resource says whether one is required);
    its range and places are checked by the model field."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        return cell_decimal(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):  # XLSX: a real number cell
            return value
        return "" if value is None else str(value)


class WholeNumberWidget(widgets.IntegerWidget):
    """An optional whole number: a blank cell returns None (the field keeps its value)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        text = cell_text(value).strip()
        if not text:
            return None
        try:
            number = cell_decimal(text)
        except ValueError:
            number = None
        if (
            number is None
            or number != number.to_integral_value()
            or number.adjusted() >= MAX_INTEGER_DIGITS
        ):
            raise ValueError(f"“{text}” is not a whole number.")
        return int(number)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class YesNoWidget(widgets.BooleanWidget):
    """1/0, true/false or yes/no in any case; anything else is an error, not False.

    A blank cell returns None, so the field keeps its value (a new row gets the default).
    """

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = cell_text(value).strip().lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(f"“{text}” is not a yes/no value: use 1 or 0.")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else ("1" if value else "0")


class SlugLookupWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's slug, resolved from `objects`.

    The resource fills `objects` (slug → instance) once per import, so a row costs no
    query. An unknown slug is a `ValueError` naming it.
    """

    def __init__(self, model: type[Model]) -> None:
        super().__init__(model, field="slug")
        self.objects: dict[str, Model] = {}

    def slug(self, value: Any) -> str:
        return formula_unescape(cell_text(value).strip())

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Model | None:
        slug = self.slug(value)
        if not slug:
            return None
        try:
            return self.objects[slug]
        except KeyError:
            name = self.model._meta.verbose_name
            raise ValueError(f"There is no {name} with the slug “{slug}”.") from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else formula_escape(value.slug)
