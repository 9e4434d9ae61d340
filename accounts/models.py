"""The shop's user: the email address is the login, stored in one canonical form
(`accounts.email_address`) under a unique constraint."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.email_address import InvalidEmail, email_canonical


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """The canonical form of `email` (`InvalidEmail`, a ValueError, if it has none)."""
        return email_canonical(email or "")

    def get_by_natural_key(self, username: str | None) -> "User":
        # Login by any spelling of the address: looked up by its canonical form.
        try:
            email = self.normalize_email(username)
        except InvalidEmail as error:
            raise self.model.DoesNotExist("No user has this email address.") from error
        return self.get(email=email)

    def _create_user(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if not (fields["is_staff"] and fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        "email address",
        max_length=254,
        unique=True,
        error_messages={"unique": "A user with this email address already exists."},
    )
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can log in to the admin."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Unset instead of deleting the account."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # In every JWT issued (accounts.tokens); bumped to revoke them all at once.
    token_version = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)
        constraints = (
            # Uniqueness is the column's own (`unique=True`) on the canonical form; this
            # refuses a write that bypasses it (an `update()` with capitals).
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="accounts_user_email_canonical",
                violation_error_message="Email addresses are stored in lower case.",
            ),
        )

    def clean(self) -> None:
        # The admin's forms: the canonical address is what the unique check compares.
        super().clean()
        try:
            self.email = User.objects.normalize_email(self.email)
        except InvalidEmail as error:
            raise ValidationError({"email": error.message}) from error

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email
