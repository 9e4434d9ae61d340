from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "novacart.accounts"
    label = "accounts"
    verbose_name = "Accounts"
