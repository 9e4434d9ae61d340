"""The admin's import forms: files over the import limits are refused; the products'
confirm step applies stock cells against the stock of each variant the preview showed."""

from typing import Any

from django import forms
from django.http import HttpRequest
from import_export.formats.base_formats import XLSX, Format
from import_export.forms import ConfirmImportForm
from unfold.contrib.import_export.forms import ImportForm

from catalog.errors import ImportTooLarge
from catalog.import_limits import import_file_check


class LimitedImportForm(ImportForm):
    def __init__(self, formats: list[type[Format]], *args: Any, **kwargs: Any) -> None:
        super().__init__(formats, *args, **kwargs)
        self.formats = formats

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, choice = data.get("import_file"), data.get("format")
        if upload is not None and choice is not None:
            xlsx = issubclass(self.formats[int(choice)], XLSX)
            try:
                import_file_check(file=upload, size=upload.size, xlsx=xlsx)
            except ImportTooLarge as error:
                self.add_error("import_file", forms.ValidationError(error.message))
        return data


class StockSeenConfirmForm(ConfirmImportForm):
    stock_seen = forms.JSONField(widget=forms.HiddenInput(), required=False)


class StockSeenImportMixin:
    """Carry the stock the preview read to the confirm step (ProductResource's stock_seen,
    {variant pk: stock}), so a checkout between the two is neither undone nor silently
    overwritten: the confirm's stock changes expect those figures (catalog.inventory)."""

    confirm_form_class = StockSeenConfirmForm

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.get("form")
        if isinstance(form, StockSeenConfirmForm):
            seen = {int(pk): stock for pk, stock in (form.cleaned_data["stock_seen"] or {}).items()}
        else:  # the preview: its resource fills this in, get_confirm_form_initial passes it on
            seen = {}
            if form is not None:
                form.stock_seen = seen
        return {**super().get_import_resource_kwargs(request, **kwargs), "stock_seen": seen}

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["stock_seen"] = getattr(import_form, "stock_seen", {})
        return initial
