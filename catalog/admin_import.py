"""The admin's import form: Unfold's, refusing files over the import limits."""

from typing import Any

from django import forms
from import_export.formats.base_formats import XLSX, Format
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
