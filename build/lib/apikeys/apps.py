from django.apps import AppConfig


class ApikeysConfig(AppConfig):
    name = "apikeys"
    verbose_name = "API keys"

    def ready(self) -> None:
        from accounts.signals import membership_ending, security_policy_changed, user_deactivated
        from apikeys import receivers

        membership_ending.connect(receivers.revoke_on_membership_end, dispatch_uid="keys-member")
        user_deactivated.connect(receivers.revoke_on_deactivation, dispatch_uid="keys-user")
        security_policy_changed.connect(receivers.apply_lifetime, dispatch_uid="keys-lifetime")
