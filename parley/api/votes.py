"""Votes: set or change your vote on a comment, or withdraw it. The same rules as the
page's vote buttons (discussion.access.check_vote): subscribers and staff, not on your own
comment, not on tombstones, not in a closed discussion."""

from django.http import HttpRequest
from ninja import Router

from parley.api import auth
from parley.api.errors import WRITE_ERRORS
from parley.api.schemas import VoteIn, VoteOut, comment_id_param
from parley.discussion import access
from parley.discussion.models import Comment

router = Router(tags=["votes"])


def _vote(request: HttpRequest, comment_id: int, value: str) -> VoteOut:
    user = auth.acting_user(request)
    if auth.principal(request).scope_site_id is not None:
        comment = access.access_comment(comment_id=comment_id, user=user)
        auth.require_in_scope(request, comment.article.site_id)
    voted: Comment = access.check_vote(user=user, comment_id=comment_id, value=value)
    return VoteOut(
        comment_id=voted.pk,
        upvotes=voted.upvotes,
        downvotes=voted.downvotes,
        score=voted.score,
        my_vote=access.VOTE_VALUES[value],
    )


@router.put("/comments/{comment_id}/vote", response={200: VoteOut, **WRITE_ERRORS})
def set_vote(request: HttpRequest, payload: VoteIn, comment_id: int = comment_id_param()):
    """Sets your vote to `up`, `down` or `none`; setting the same vote twice is harmless."""
    return _vote(request, comment_id, payload.value)


@router.delete("/comments/{comment_id}/vote", response={200: VoteOut, **WRITE_ERRORS})
def withdraw_vote(request: HttpRequest, comment_id: int = comment_id_param()):
    """Withdraws your vote (the same as setting it to `none`)."""
    return _vote(request, comment_id, "none")
