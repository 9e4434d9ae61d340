"""Small helpers every app's admin pages share (no app's models: core imports no app)."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display
from unfold.forms import BaseDialogForm
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
    `status_badge = readonly_label(status_label)`, then "status_badge" in `fields`.
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


class ReadOnlyInline(TabularInline):
    """Rows shown under an object's page, never added, changed or deleted there: every
    field in `fields` is shown as text."""

    show_title = False
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        # An inline's formset is built even when nothing may change, and a model form
        # refuses non-editable fields (`created_at`) unless they are read-only.
        return tuple(self.fields or ())


class DialogForm(BaseDialogForm):
    """The form of an Unfold dialog action (`@action(dialog={"form_class": ...})`), with a
    sentence above its fields saying what the action is about to do (`intro`)."""

    form_before_template = "admin/dialog_intro.html"

    def intro(self) -> str:
        return ""

    def get_before_template_context(
        self, request: HttpRequest, object_id: int | str | None = None
    ) -> dict[str, Any]:
        return {"intro": self.intro()}


def dialog_done(request: HttpRequest, url: str) -> HttpResponse:
    """The answer of a dialog action that has run: the dialog's htmx POST is told to load
    `url` (`HX-Redirect`); the same form posted without JavaScript is redirected there."""
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)
