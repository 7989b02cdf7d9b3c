"""The caller: who they are, their standing on a site, their votes on a page of comments,
and the CSRF token that cookie sessions send with every write."""

from dataclasses import replace

from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Query, Router

from parley.accounts.entitlements import entitlement_for
from parley.accounts.policy import rules_for_site
from parley.api import auth, present
from parley.api.errors import READ_ERRORS
from parley.api.schemas import (
    CsrfOut,
    MeOut,
    MeUserOut,
    MyVoteOut,
    MyVotesOut,
    PositiveId,
    SiteOut,
    site_param,
)
from parley.discussion import selectors

router = Router(tags=["me"])

MAX_VOTE_IDS = 500
VOTE_IDS = Query(..., min_length=1, max_length=MAX_VOTE_IDS, description="Comment ids.")


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request: HttpRequest, site: str | None = site_param()):
    """Who is calling (`guest`, `session` or `token`) and their standing on the site:
    what the discussion lets them do. Never the e-mail address or username."""
    caller = auth.principal(request)
    the_site = auth.site_for(request, site)
    return MeOut(
        via=caller.via,
        user=MeUserOut(name=caller.user.public_name) if caller.user is not None else None,
        site=SiteOut(key=the_site.key, name=the_site.name),
        # Under the site's rules (articles may override them).
        entitlement=present.entitlement_out(
            replace(entitlement_for(caller.user, the_site.pk), rules=rules_for_site(the_site))
        ),
    )


@router.get("/me/votes", response={200: MyVotesOut, **READ_ERRORS})
def my_votes(request: HttpRequest, ids: list[PositiveId] = VOTE_IDS):
    """Your votes among the given comments (those you have not voted on are left out)."""
    votes = selectors.my_votes(user=auth.viewer(request), comment_ids=list(ids))
    return MyVotesOut(
        votes=[MyVoteOut(comment_id=pk, value=value) for pk, value in sorted(votes.items())]
    )


@router.get("/csrf", response={200: CsrfOut, **READ_ERRORS})
def csrf_token(request: HttpRequest):
    """A CSRF token (also set as the `csrftoken` cookie). Cookie sessions send it in the
    `X-CSRFToken` header on POST, PUT, PATCH and DELETE."""
    return CsrfOut(csrf_token=get_token(request))
