"""Checks in front of the account actions: untrusted input and permission, then `do_*`."""

from parley.accounts import actions
from parley.accounts.models import User
from parley.errors import InvalidInput, NotSignedIn


def check_erase_account(*, user: User | None, confirmation: str) -> actions.Erasure:
    """Erases the signed-in user's account once they have typed their username. The
    username, not the password: accounts made by single sign-on or by an import have no
    password to type, and the form is already behind the session and its CSRF token."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn("Sign in to delete your account.")
    if confirmation.strip() != user.get_username():
        raise InvalidInput(
            "Type your username exactly as shown to confirm.", code="confirmation_mismatch"
        )
    return actions.do_erase_account(user=user)
