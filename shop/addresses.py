"""Address book services: one default address per user (at most one, by a constraint;
and never none while the user has an address)."""

from typing import Any

from django.db import transaction

from accounts.models import User
from core.errors import NotFound
from shop.errors import DefaultAddressRequired
from shop.models import Address


def _user_lock(user: User) -> None:
    """Serialise a user's address-book writes (the one-default rule spans rows)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def _own(*, user: User, address_id: int) -> Address:
    address = Address.objects.filter(pk=address_id, user=user).first()
    if address is None:
        raise NotFound("Address not found.")
    return address


def _defaults_clear(*, user: User, keep: int | None = None) -> None:
    Address.objects.filter(user=user, is_default=True).exclude(pk=keep).update(is_default=False)


@transaction.atomic
def address_create(*, user: User, is_default: bool = False, **fields: Any) -> Address:
    _user_lock(user)
    first = not Address.objects.filter(user=user).exists()
    if is_default:
        _defaults_clear(user=user)
    return Address.objects.create(user=user, is_default=is_default or first, **fields)


@transaction.atomic
def address_update(*, user: User, address_id: int, **changes: Any) -> Address:
    _user_lock(user)
    address = _own(user=user, address_id=address_id)
    if changes.get("is_default") is False and address.is_default:
        raise DefaultAddressRequired(
            "This is your default address: make another address the default instead."
        )
    if changes.get("is_default"):
        _defaults_clear(user=user, keep=address.pk)
    for field, value in changes.items():
        setattr(address, field, value)
    address.save(update_fields=list(changes))
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    """Delete; if it was the default, the newest remaining address becomes the default."""
    _user_lock(user)
    address = _own(user=user, address_id=address_id)
    address.delete()
    if address.is_default:
        newest = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if newest is not None:
            newest.is_default = True
            newest.save(update_fields=["is_default"])
