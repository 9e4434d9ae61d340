"""Small helpers every app's admin pages share (no app's models: core imports no app)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.utils import display_for_label
from unfold.widgets import UnfoldAdminTextInputWidget


def admin_link(url: str, text: str) -> SafeString:
    return format_html('<a class="text-primary-600 whitespace-nowrap" href="{}">{}</a>', url, text)


def label_html(*, text: str, variant: str, url: str = "", title: str = "") -> SafeString:
    """One of Unfold's coloured labels; a link when `url` is given, `title` shown on hover."""
    return render_to_string(
        "unfold/helpers/label.html",
        {"text": text, "variant": variant, "href": url, "label_title": title},
    )


def readonly_label(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], SafeString]:
    """The read-only field of a `@display(label=...)` method, for detail pages.

    Lists render such a method's `(value, text)` as a coloured label; Unfold's read-only
    fields ignore `label` and print the tuple. This renders the label the lists show:
    `status_badge = readonly_label(status_label)`, then "status_badge" in `readonly_fields`.
    """

    @display(description=method.short_description)
    def field(model_admin: Any, obj: Any) -> SafeString:
        return display_for_label(method(model_admin, obj), "-", method.label)

    return field


class AmountField(forms.DecimalField):
    """A money amount typed by staff: `12.50`, or `12,50` with a decimal comma.

    A text box, not `<input type="number">`: a browser's number box may read the comma of
    `12,50` as a thousands separator and send `1250`. A single comma with no point is the
    decimal separator; anything else that is not a plain number (`1,250.00`, `1.250,00`)
    is refused with a form error rather than guessed.
    """

    def __init__(self, *, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        widget = UnfoldAdminTextInputWidget(attrs={"inputmode": "decimal", **(attrs or {})})
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.count(",") == 1 and "." not in value:
            value = value.replace(",", ".")
        return super().to_python(value)


class ReadOnlyAdmin(ModelAdmin):
    """A list and pages to look at: nothing is added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
