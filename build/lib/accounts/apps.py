from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the security-log receivers)
