"""The product page's options editor and variants inline.

The rows are checked together before anything is saved: the options by
`catalog.variants.options_validate`, each variant row by `variant_validate` and against
the options posted with it (`variant_option_values`), no combination or SKU twice; a
product keeps at least one variant. They are saved through catalog.variants (a new
row's opening stock is a movement); a variant's stock is shown, never saved from here.
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextareaWidget

from accounts.models import User
from catalog.admin_stock import may_adjust_stock, stock_tools_html
from catalog.errors import ProductInvalid
from catalog.models import MAX_OPTIONS, Product, ProductImage, ProductOption, Variant
from catalog.variants import (
    OPTION_FIELDS,
    VARIANT_FIELDS,
    OptionFields,
    VariantFields,
    options_validate,
    variant_delete,
    variant_option_values,
    variant_update,
    variant_validate,
    variants_create,
)
from core.admin import AmountField


def kept_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    """The rows a save keeps: saved ones not ticked for deletion, and new ones filled in
    (an untouched empty row is no row)."""
    return [
        form
        for form in formset.forms
        if not formset._should_delete_form(form) and (form.instance.pk or form.has_changed())
    ]


class ProductPartInline(TabularInline):
    """Options and variants are parts of their product: the product's permissions govern
    them here, as they do on the API (changing a variant is `catalog.change_product`)."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.view_product")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.change_product" if obj else "catalog.add_product")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.change_product")


class OptionValuesField(forms.CharField):
    """An option's values typed as `S, M, L`, or one per line (for values with a comma)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ("\n" if any("," in item for item in value) else ", ").join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        separator = "\n" if "\n" in text else ","
        return [part.strip() for part in text.split(separator) if part.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(data) != list(initial or [])


class ProductOptionForm(forms.ModelForm):
    position = forms.IntegerField(
        min_value=1, max_value=MAX_OPTIONS, widget=UnfoldAdminIntegerFieldWidget
    )
    values = OptionValuesField(
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text="S, M, L - or one value per line.",
    )


class ProductOptionFormSet(BaseInlineFormSet):
    """Checks the options together (catalog.variants.options_validate); `options` are
    then the options as they will be saved, for the variants' formset to check against.

    The rows are saved by the formset itself: catalog.variants has `options_set` for a
    new product only, no service that edits a product's options yet (asked of it). The
    variants are all re-checked against the options posted, so none is left with a value
    its options no longer have."""

    options: list[ProductOption] | None = None

    def clean(self) -> None:
        self.options = None
        kept = sorted(kept_forms(self), key=lambda form: form.cleaned_data.get("position") or 0)
        problems: list[str] = []
        if not any(form.errors for form in kept):
            fields = [
                OptionFields(name=form.cleaned_data["name"], values=form.cleaned_data["values"])
                for form in kept
            ]
            try:
                options_validate(fields)
            except ProductInvalid as invalid:
                for key, messages in invalid.extra["errors"].items():
                    _, _, row = key.partition(".")  # "options" or "options.<index>.<field>"
                    if row:
                        index, field = row.split(".")
                        kept[int(index)].add_error(field, messages)
                    else:
                        problems.extend(messages)
            else:
                self.options = [form.instance for form in kept]
        super().clean()
        if problems:
            raise forms.ValidationError(problems)


class ProductOptionInline(ProductPartInline):
    model = ProductOption
    form = ProductOptionForm
    formset = ProductOptionFormSet
    fields = ("position", "name", "values")
    max_num = MAX_OPTIONS
    verbose_name_plural = "Options (up to 3, e.g. Size and Colour)"


class VariantForm(forms.ModelForm):
    """A variant row; its stock is shown, never saved from here (Adjust stock changes it)."""

    price = AmountField(max_digits=12, decimal_places=2, min_value=0)
    compare_at_price = AmountField(
        required=False, max_digits=12, decimal_places=2, min_value=0, label="Compare-at price"
    )
    opening_stock = forms.IntegerField(
        required=False,
        min_value=0,
        label="Opening stock",
        help_text="New rows only; after that, Adjust stock.",
        widget=UnfoldAdminIntegerFieldWidget,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opening_stock"].disabled = True

    def _post_clean(self) -> None:
        """The model's checks, then the catalog's rules for a variant (its image is its
        product's, a compare-at price above the price, ...)."""
        super()._post_clean()
        try:
            variant_validate(variant=self.instance)
        except ProductInvalid as invalid:
            for field, errors in invalid.extra["errors"].items():
                field = "image" if field == "image_id" else field
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, errors)


class VariantFormSet(BaseInlineFormSet):
    """The variant rows, checked together against the options posted with them.

    Saved through catalog.variants (opening stock as a movement); never writes stock.
    """

    options_formset: ProductOptionFormSet | None = None  # set by ProductAdmin
    actor: User | None = None  # set by ProductAdmin.save_formset

    @cached_property
    def image_choices(self) -> list[tuple[Any, str]]:
        return list(self.form.base_fields["image"].choices)

    def _construct_form(self, i: int, **kwargs: Any) -> forms.ModelForm:
        """Every row's image menu lists the product's images read once, not once a row."""
        form = super()._construct_form(i, **kwargs)
        if "image" in form.fields:
            form.fields["image"].choices = self.image_choices
        return form

    def clean(self) -> None:
        kept = kept_forms(self)
        problems = []
        if not kept:
            problems.append("A product needs at least one variant: fill in a row (SKU, price).")
        elif self.instance.pk and not any(form.instance.pk for form in kept):
            problems.append(
                "Keep at least one of the saved variants (change it rather than replace it: "
                "its stock and movements stay with it)."
            )
        options = self._options()
        if options is not None:
            self._check_option_values([form for form in kept if not form.errors], options)
        self._check_duplicates([form for form in kept if not form.errors])
        super().clean()
        if problems:
            raise forms.ValidationError(problems)

    def _options(self) -> list[ProductOption] | None:
        """The options the rows must match: those posted (None if they are invalid)."""
        if self.options_formset is None:
            return list(self.instance.options.all()) if self.instance.pk else []
        self.options_formset.is_valid()
        return self.options_formset.options

    @staticmethod
    def _check_option_values(rows: list[forms.ModelForm], options: list[ProductOption]) -> None:
        """Each row has a value of each option (catalog.variants.variant_option_values, one
        option at a time so that the error names its column), spelled as the option does."""
        by_position = {option.position: option for option in options}
        for form in rows:
            for position, field in enumerate(OPTION_FIELDS, start=1):
                value = form.cleaned_data.get(field, "")
                option = by_position.get(position)
                if option is None:
                    if value:
                        form.add_error(field, f"There is no option {position}: leave it empty.")
                    continue
                errors: dict[str, list[str]] = {}
                values = variant_option_values([option], {option.name: value}, errors=errors)
                if errors:
                    form.add_error(field, errors["options"])
                else:
                    form.cleaned_data[field] = values[field]
                    setattr(form.instance, field, values[field])

    @staticmethod
    def _check_duplicates(rows: list[forms.ModelForm]) -> None:
        combinations: set[tuple[str, ...]] = set()
        skus: set[str] = set()
        for form in rows:
            values = [form.cleaned_data.get(field, "") for field in OPTION_FIELDS]
            combination = tuple(value.casefold() for value in values)
            if combination in combinations:
                title = " / ".join(value for value in values if value)
                form.add_error(
                    "option1",
                    f"Another row has these option values ({title})."
                    if title
                    else "Without options a product has one variant: add an option first.",
                )
            combinations.add(combination)
            sku = form.cleaned_data.get("sku")
            if sku in skus:
                form.add_error("sku", "Another row has this SKU.")
            skus.add(sku)

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Variant:
        data = form.cleaned_data
        image = data.get("image")
        fields = VariantFields(
            sku=data["sku"],
            price=data["price"],
            options={
                option.name: data[OPTION_FIELDS[option.position - 1]]
                for option in self.instance.options.all()
            },
            compare_at_price=data.get("compare_at_price"),
            weight_grams=data.get("weight_grams"),
            position=data.get("position") or 0,
            is_active=data.get("is_active", True),
            image_id=image.pk if image else None,
            stock=data.get("opening_stock") or 0,
        )
        return variants_create(product=self.instance, variants=[fields], actor=self.actor)[0]

    def save_existing(self, form: forms.ModelForm, obj: Variant, commit: bool = True) -> Variant:
        changed = set(form.changed_data)
        changes = {field: form.cleaned_data[field] for field in VARIANT_FIELDS if field in changed}
        if "image" in changed:
            image = form.cleaned_data["image"]
            changes["image_id"] = image.pk if image else None
        variant_update(variant=obj, actor=self.actor, **changes)
        # variant_update does not take option values yet (asked of catalog.variants): they
        # were checked above against the options and are saved alone; stock never is.
        values = [field for field in OPTION_FIELDS if field in changed]
        if values:
            obj.save(update_fields=[*values, "updated_at"])
        return obj

    def delete_existing(self, obj: Variant, commit: bool = True) -> None:
        if commit:
            variant_delete(variant=obj)


class VariantInline(ProductPartInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    fields = (
        "sku",
        "option1",
        "option2",
        "option3",
        "price",
        "compare_at_price",
        "weight_grams",
        "image",
        "is_active",
        "stock_tools",
        "opening_stock",
        "position",
    )
    readonly_fields = ("stock_tools",)
    ordering_field = "position"
    hide_ordering_field = True
    verbose_name_plural = "Variants (what is sold and stocked: one per combination of options)"
    may_adjust = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Variant]:
        return super().get_queryset(request).select_related("product")  # each row's title

    def get_extra(self, request: HttpRequest, obj: Product | None = None, **kwargs: Any) -> int:
        """A new product starts with one empty variant row: it cannot be saved without."""
        return 1 if obj is None else 0

    def get_formset(self, request: HttpRequest, obj: Product | None = None, **kwargs: Any) -> Any:
        """Option columns are headed by the product's option names; images are the
        product's own."""
        self.may_adjust = may_adjust_stock(request)
        labels = {field: f"Option {n}" for n, field in enumerate(OPTION_FIELDS, start=1)}
        if obj is not None:
            labels |= {OPTION_FIELDS[o.position - 1]: o.name for o in obj.options.all()}
        formset = super().get_formset(request, obj, labels=labels, **kwargs)
        images = ProductImage.objects.filter(product=obj) if obj else ProductImage.objects.none()
        formset.form.base_fields["image"].queryset = images
        return formset

    @display(description="Stock")
    def stock_tools(self, variant: Variant) -> SafeString | str:
        if variant.pk is None:
            return "-"
        return stock_tools_html(variant, may_adjust=self.may_adjust)
