"""Moderation refusals. Like every ParleyError they carry a stable code and a message for
people, and render through the one error path of the page and the API."""

from parley.errors import ParleyError


class Refused(ParleyError):
    """A rule refused the comment; the message says which and why."""

    code = "refused"
    status = 422
    message = "This comment cannot be posted here."


class CivilityNudge(ParleyError):
    """Not a refusal: the author may post anyway (POST field nudge_ack=1); it is then held."""

    code = "civility_nudge"
    status = 422
    message = (
        "This may read as abusive: edit it, or post anyway. "
        "A comment posted anyway waits for a moderator before it appears."
    )


class Sanctioned(ParleyError):
    code = "suspended"
    status = 403
    message = "You are suspended from commenting on this site."
