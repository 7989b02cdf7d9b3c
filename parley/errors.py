"""Domain errors with stable codes, rendered in one place for the page and the API."""


class ParleyError(Exception):
    """A refusal a user can understand. `code` is stable; `message` is for people."""

    code = "error"
    status = 400
    message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InvalidInput(ParleyError):
    code = "invalid"
    status = 400


class NotSignedIn(ParleyError):
    code = "not_signed_in"
    status = 403
    message = "Sign in to take part in the discussion."


class NotSubscriber(ParleyError):
    code = "not_subscriber"
    status = 403
    message = "To join the discussion in the comments, become a paid subscriber."


class SubscriptionEnded(NotSubscriber):
    code = "subscription_ended"
    message = (
        "Your subscription has ended. Renew it to join the discussion again; "
        "your earlier comments stay."
    )


class Forbidden(ParleyError):
    code = "forbidden"
    status = 403
    message = "You are not allowed to do that."


class NotFound(ParleyError):
    code = "not_found"
    status = 404
    message = "Not found."


class ThreadClosed(ParleyError):
    code = "thread_closed"
    status = 403
    message = "This discussion is closed to new comments."


class EditWindowClosed(ParleyError):
    code = "edit_window_closed"
    status = 403
    message = "The time for editing this comment has passed."


# The discussion's read rule (parley/accounts/policy.py) does not admit this reader.
class DiscussionHidden(ParleyError):
    code = "discussion_hidden"
    status = 403
    message = "This discussion is not open to you."
