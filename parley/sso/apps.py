from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "parley.sso"
    label = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        # SSO sessions are bearer credentials of the public API (docs/api.md, "Who is
        # calling"): every endpoint then works with them unchanged.
        from parley.api import auth
        from parley.sso.sessions import resolve_sso_session

        if resolve_sso_session not in auth.BEARER_RESOLVERS:
            auth.BEARER_RESOLVERS.append(resolve_sso_session)
