"""User and group admin on Unfold's forms: email is the login, there is no username."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.safestring import SafeString
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from novacart.accounts.models import User
from novacart.accounts.services import user_sessions_revoke
from novacart.admin_site import admin_link

admin.site.unregister(Group)


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

    @display(description="Orders")
    def orders(self, user: User) -> SafeString:
        """A link to the user's orders (the order list, filtered)."""
        url = reverse("admin:shop_order_changelist")
        return admin_link(f"{url}?user__id__exact={user.pk}", "Orders")


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    search_fields = ("name",)
