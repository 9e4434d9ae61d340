"""Order export for spreadsheets: one row per order line (CSV / XLSX)."""

from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources

from catalog.resource_widgets import PriceWidget, TextWidget, WholeNumberWidget
from shop.models import OrderLine


def _text(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=TextWidget(), readonly=True)


def _money(attribute: str, column: str) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=PriceWidget(), readonly=True
    )


class OrderLineExportResource(resources.ModelResource):
    """Export only: every text cell is formula-escaped by TextWidget."""

    order_number = _text("order__number", "order_number")
    status = _text("order__status", "status")
    created_at = _text("order__created_at", "created_at")
    paid_at = _text("order__paid_at", "paid_at")
    customer_email = _text("order__user__email", "customer_email")
    ship_to_name = _text("order__shipping_address__full_name", "ship_to_name")
    ship_to_city = _text("order__shipping_address__city", "ship_to_city")
    ship_to_country = _text("order__shipping_address__country", "ship_to_country")
    tracking_number = _text("order__tracking_number", "tracking_number")
    sku = _text("sku", "sku")
    name = _text("name", "name")
    variant = _text("variant_title", "variant")
    unit_price = _money("unit_price", "unit_price")
    quantity = fields.Field(
        attribute="quantity", column_name="quantity", widget=WholeNumberWidget(), readonly=True
    )
    line_total = _money("line_total", "line_total")
    order_total = _money("order__total", "order_total")
    currency = _text("order__currency", "currency")

    class Meta:
        model = OrderLine
        fields = (
            "order_number",
            "status",
            "created_at",
            "paid_at",
            "customer_email",
            "ship_to_name",
            "ship_to_city",
            "ship_to_country",
            "tracking_number",
            "sku",
            "name",
            "variant",
            "unit_price",
            "quantity",
            "line_total",
            "order_total",
            "currency",
        )
        export_order = fields
        name = "Order lines (one row per line)"

    def export_field(self, field: fields.Field, instance: OrderLine, **kwargs: Any) -> Any:
        if field.attribute and field.attribute.startswith("order__shipping_address__"):
            key = field.attribute.removeprefix("order__shipping_address__")
            return field.widget.render(instance.order.shipping_address.get(key, ""))
        return super().export_field(field, instance, **kwargs)

    @staticmethod
    def lines_of(orders: QuerySet) -> QuerySet[OrderLine]:
        return (
            OrderLine.objects.filter(order__in=orders.values("pk"))
            .select_related("order__user")
            .order_by("order__created_at", "order_id", "id")
        )
