"""User and group admin on Unfold's forms: email is the login, there is no username."""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from accounts.models import User
from accounts.services import user_sessions_revoke
from core.admin import admin_link

admin.site.unregister(Group)


def user_link(user: User) -> SafeString:
    """The user's email, linking to their page in the admin (for other apps' pages)."""
    return admin_link(reverse("admin:accounts_user_change", args=[user.pk]), user.email)


class EmailUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class SessionsRevokingPasswordChangeForm(AdminPasswordChangeForm):
    """A password set by staff signs the user out everywhere, as a change or reset does."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if commit:
            user_sessions_revoke(user=user)
        return user


def _swap(fields: Sequence[str], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if field == old else field for field in fields)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    change_password_form = SessionsRevokingPasswordChangeForm
    list_display = (
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "date_joined",
        "orders",
    )
    list_filter = ("is_staff", "is_active", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ["tab"],
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined"), "classes": ["tab"]}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        """Who may not change the user sees `password_state`, never the stored hash (a
        read-only page would show the field's raw value; the change form's widget shows a
        masked summary)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": _swap(options["fields"], "password", "password_state")})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "password_state")

    @display(description="Password")
    def password_state(self, user: User) -> str:
        if user.has_usable_password():
            return "Set: a password is stored (as a hash, never shown)."
        return "No password: this account cannot log in with a password."

    @display(description="Orders")
    def orders(self, user: User) -> SafeString:
        """A link to the user's orders (the order list, filtered)."""
        url = reverse("admin:shop_order_changelist")
        return admin_link(f"{url}?user__id__exact={user.pk}", "Orders")


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    search_fields = ("name",)
