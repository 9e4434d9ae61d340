"""Stock in the admin: the adjustment dialog (through catalog.inventory, against the
figure shown), the variants list and the read-only stock movements."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.inventory import Reason, stock_reserve
from catalog.models import StockMovement, Variant
from catalog.tests.factories import default_variant, product_make, product_with_options_make
from core.testing import dialog_post

pytestmark = pytest.mark.django_db

VARIANTS = "/admin/catalog/variant/"
MOVEMENTS = "/admin/catalog/stockmovement/"


def adjust_url(variant: Variant) -> str:
    return f"{VARIANTS}{variant.pk}/adjust_stock/"


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def staff_client(group: str) -> tuple[Client, User]:
    user = user_make(f"{group.split()[0].lower()}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


def test_the_dialog_shows_the_figure_the_page_showed(admin_client: Client) -> None:
    variant = default_variant(product_make(name="Lamp", sku="LAMP-1", stock=5))

    dialog = admin_client.get(f"{adjust_url(variant)}?expected=5", HTTP_HX_REQUEST="true")

    html = dialog.content.decode()
    assert dialog.status_code == 200
    assert 'id="dialog"' in html
    assert "Lamp, SKU LAMP-1: 5 in stock as shown" in html
    assert 'name="expected" value="5"' in html


@pytest.mark.parametrize(
    ("change", "stock_after", "delta"),
    [({"delta": "12"}, 17, 12), ({"delta": "-2"}, 3, -2), ({"set_to": "40"}, 40, 35)],
)
def test_an_adjustment_changes_the_stock_and_records_who_and_why(
    admin_client: Client, superuser: User, change: dict[str, str], stock_after: int, delta: int
) -> None:
    variant = default_variant(product_make(sku="LAMP-1", stock=5))

    response = dialog_post(
        admin_client,
        adjust_url(variant),
        {**change, "expected": 5, "reason": "return", "note": "Parcel 42"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/admin/catalog/product/{variant.product_id}/change/"
    variant.refresh_from_db()
    assert variant.stock == stock_after
    movement = variant.movements.exclude(reason=Reason.INITIAL).get()
    assert (movement.delta, movement.quantity_after, movement.reason) == (
        delta,
        stock_after,
        Reason.RETURN,
    )
    assert (movement.actor, movement.note) == (superuser, "Parcel 42")


def test_a_stale_figure_is_refused_with_the_new_one_and_nothing_changes(
    admin_client: Client,
) -> None:
    variant = default_variant(product_make(name="Lamp", stock=5))
    stock_reserve(lines=[(variant.pk, 2)], reason=Reason.CHECKOUT)  # sold while the page was open

    refused = dialog_post(
        admin_client, adjust_url(variant), {"set_to": 20, "expected": 5, "reason": "admin"}
    )

    html = refused.content.decode()
    assert refused.status_code == 200
    assert "changed from 5 to 3" in html
    assert 'name="expected" value="3"' in html  # submitting again starts from the new figure
    variant.refresh_from_db()
    assert variant.stock == 3
    assert not variant.movements.filter(reason=Reason.ADMIN).exists()

    again = dialog_post(
        admin_client, adjust_url(variant), {"set_to": 20, "expected": 3, "reason": "admin"}
    )
    assert again.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 20


def test_taking_more_than_there_is_is_a_form_error(admin_client: Client) -> None:
    variant = default_variant(product_make(stock=2))

    refused = dialog_post(
        admin_client, adjust_url(variant), {"delta": -3, "expected": 2, "reason": "admin"}
    )

    assert refused.status_code == 200
    assert "leave less than nothing" in refused.content.decode()
    variant.refresh_from_db()
    assert variant.stock == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [({}, "Give either"), ({"delta": 1, "set_to": 2}, "Give either"), ({"delta": 0}, "changes")],
)
def test_the_dialog_needs_one_change(
    admin_client: Client, change: dict[str, int], message: str
) -> None:
    variant = default_variant(product_make(stock=2))

    refused = dialog_post(admin_client, adjust_url(variant), {**change, "expected": 2})

    assert refused.status_code == 200
    assert message in refused.content.decode()
    assert StockMovement.objects.count() == 1  # the opening stock only


def test_staff_without_change_product_cannot_adjust(client: Client) -> None:
    clerk, _ = staff_client(ORDER_MANAGERS)  # may view products only
    variant = default_variant(product_make(stock=5))

    assert clerk.get(adjust_url(variant)).status_code == 403
    refused = dialog_post(clerk, adjust_url(variant), {"delta": 5, "expected": 5})
    assert refused.status_code == 403
    variant.refresh_from_db()
    assert variant.stock == 5
    page = clerk.get(f"/admin/catalog/product/{variant.product_id}/change/")
    assert page.status_code == 200
    assert variant.sku in page.content.decode()  # the variants inline, read-only
    assert "adjust_stock" not in page.content.decode()


def test_catalog_managers_adjust_stock_as_themselves(client: Client) -> None:
    manager, user = staff_client(CATALOG_MANAGERS)
    variant = default_variant(product_make(stock=5))

    page = manager.get(f"/admin/catalog/product/{variant.product_id}/change/").content.decode()
    assert f"{adjust_url(variant)}?expected=5" in page
    done = dialog_post(manager, adjust_url(variant), {"delta": 1, "expected": 5, "reason": "admin"})

    assert done.status_code == 302
    assert variant.movements.get(reason=Reason.ADMIN).actor == user


def test_the_variants_list_filters_by_stock_level(admin_client: Client) -> None:
    product = product_with_options_make(options={"Size": ["S", "M", "L"]}, stock=0)
    small, medium, _ = product.variants.order_by("position")
    for variant, stock in ((small, 3), (medium, 50)):
        dialog_post(
            admin_client, adjust_url(variant), {"set_to": stock, "expected": 0, "reason": "admin"}
        )

    def skus(level: str) -> list[str]:
        response = admin_client.get(f"{VARIANTS}?stock_level={level}")
        return [variant.sku for variant in response.context["cl"].result_list]

    assert skus("low") == [small.sku]
    assert skus("in") == [medium.sku]
    assert len(skus("out")) == 1


def test_movements_are_a_read_only_list_filtered_per_variant(
    admin_client: Client, superuser: User
) -> None:
    lamp = default_variant(product_make(sku="LAMP-1", stock=5))
    default_variant(product_make(sku="MUG-1", stock=3))
    dialog_post(admin_client, adjust_url(lamp), {"delta": -1, "expected": 5, "reason": "admin"})

    listing = admin_client.get(f"{MOVEMENTS}?variant__id__exact={lamp.pk}")

    rows = listing.context["cl"].result_list
    assert [(m.sku, m.delta, m.reason) for m in rows] == [
        ("LAMP-1", -1, Reason.ADMIN),
        ("LAMP-1", 5, Reason.INITIAL),
    ]
    assert superuser.email in listing.content.decode()
    assert [m.sku for m in admin_client.get(f"{MOVEMENTS}?q=MUG").context["cl"].result_list] == [
        "MUG-1"
    ]
    assert [
        m.delta for m in admin_client.get(f"{MOVEMENTS}?reason=admin").context["cl"].result_list
    ] == [-1]
    movement = rows[0]
    assert admin_client.get(f"{MOVEMENTS}add/").status_code == 403
    change = admin_client.post(f"{MOVEMENTS}{movement.pk}/change/", {"delta": 100})
    assert change.status_code == 403
    admin_client.post(f"{MOVEMENTS}{movement.pk}/delete/", {"post": "yes"})
    movement.refresh_from_db()
    assert movement.delta == -1


def test_staff_who_view_products_see_the_movements(client: Client) -> None:
    clerk, _ = staff_client(ORDER_MANAGERS)
    product_make(stock=4)

    assert clerk.get(MOVEMENTS).status_code == 200
    assert clerk.get(VARIANTS).status_code == 200


def test_the_dashboard_alerts_link_to_the_variants_they_count(admin_client: Client) -> None:
    tee = product_with_options_make(name="Tee", options={"Size": ["S", "M", "L"]}, stock=50)
    tee.variants.filter(option1__in=["S", "M"]).update(stock=2)
    tee.variants.filter(option1="L").update(stock=0)
    hidden = product_make(name="Hidden", stock=1, is_active=False)  # not on sale: not counted

    figures = {f.title: f for f in admin_client.get("/admin/").context["dashboard"]["figures"]}

    for title, count, options in (("Low stock", "2", ["M", "S"]), ("Out of stock", "1", ["L"])):
        figure = figures[title]
        listed = admin_client.get(figure.url).context["cl"].result_list
        assert figure.value == count
        assert sorted(variant.option1 for variant in listed) == options
        assert default_variant(hidden) not in listed
