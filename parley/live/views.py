"""Live endpoints of one article: the event stream, the polling fallback and the comment
fragments a page asks for when the reader chooses to see new comments.

- `GET stream`: text/event-stream (async view; see stream.py). 204 when the discussion is
  idle (PARLEY_LIVE_IDLE_DAYS): EventSource then stops, and the page offers a refresh.
- `GET events?after=<id>`: the same events as JSON, for when the stream is unavailable.
- `GET comments?ids=1,2`: rendered comments for this reader, access-checked like the page.
- `GET ticket`: a stream ticket for the signed-in reader (tickets.py), for the embed's
  frame, whose reader is known by a bearer key that EventSource cannot send.

All but `ticket` take `?ticket=` (the reader is the ticket's, or 403: never a guest) and
`?site=<key>` (the embed's site, which the frame's EventSource cannot name in a header).
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from parley.accounts.entitlements import Entitlement, entitlement_on, signed_in_user
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.discussion import selectors
from parley.discussion.access import require_reader
from parley.discussion.presenters import Viewer
from parley.errors import NotSignedIn, ParleyError
from parley.inline.templatetags.inline_tags import cached_anchor
from parley.live import access, backlog, broker, conf, tickets
from parley.live.stream import (
    StreamStart,
    async_stream,
    hand_over_request_thread,
    new_listener,
    release_database,
    sync_stream,
    wait_for_broker,
)


def _reader(request: HttpRequest, article_id: int) -> tuple[Article, Entitlement]:
    """The article and this reader's entitlement on it. With `?ticket=`, the reader is
    the ticket's (request.user is set to them, so that fragments render for them)."""
    ticket = request.GET.get("ticket")
    site_key = request.GET.get("site", "")[:50]
    if ticket:
        reader = tickets.read_ticket(ticket, article_id=article_id, site_key=site_key or None)
        request.user = reader.user
        site_id = reader.site_id
    elif site_key:
        site_id = access.embed_site_id(site_key)
    else:
        site_id = current_site(request).pk
    article = access.access_live_article(site_id=site_id, article_id=article_id)
    entitlement = entitlement_on(signed_in_user(request), article)
    require_reader(entitlement)  # the discussion's read rule (accounts/policy.py)
    return article, entitlement


def _stream_start(request: HttpRequest, article_id: int) -> StreamStart | None:
    """Everything the stream needs from the database, in one trip to the request's sync
    thread, which then lets go of its connection. None when the discussion is idle."""
    try:
        article, entitlement = _reader(request, article_id)
        if backlog.discussion_is_idle(article=article):
            return None
        after = access.parse_event_id(
            request.headers.get("Last-Event-ID"), request.GET.get("last_event_id")
        )
        moderator = entitlement.is_moderator
        missed = None
        if after is not None:
            missed = backlog.events_after(article_id=article.pk, after=after, moderator=moderator)
        return StreamStart(article_id=article.pk, moderator=moderator, after=after, missed=missed)
    finally:
        release_database()


@require_GET
async def stream(request: HttpRequest, article_id: int) -> HttpResponseBase:
    hub = broker.hub()
    asgi = isinstance(request, ASGIRequest)
    await wait_for_broker(hub)
    listener = new_listener(hub, article_id, asgi=asgi)
    streaming = False
    try:
        start = await sync_to_async(_stream_start)(request, article_id)
        if start is None:
            return HttpResponse(status=204)
        if asgi:
            hand_over_request_thread()
        listener.moderator = start.moderator
        content = (async_stream if asgi else sync_stream)(start, hub, listener)
        response = StreamingHttpResponse(content, content_type="text/event-stream")
        streaming = True
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    finally:
        if not streaming:
            hub.remove(listener)
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx must pass frames on as they come
    return response


@require_GET
def events(request: HttpRequest, article_id: int) -> HttpResponse:
    """The polling fallback. Without `after`, tells where to start. `live` says whether the
    stream works in this process again; `idle` that the page should stop polling."""
    try:
        article, entitlement = _reader(request, article_id)
        after = access.parse_event_id(request.GET.get("after"))
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    hub = broker.hub()
    hub.ensure_started()
    if after is None:
        missed = backlog.Replay(after=backlog.latest_event_id(article_id=article.pk))
    else:
        missed = backlog.events_after(
            article_id=article.pk, after=after, moderator=entitlement.is_moderator
        )
    response = JsonResponse(
        {
            "events": missed.events,
            "last": missed.last,
            "refetch": missed.refetch,
            "idle": backlog.discussion_is_idle(article=article),
            "live": hub.available,
            "poll_ms": conf.poll_ms(),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def comments(request: HttpRequest, article_id: int) -> HttpResponse:
    """New comments as this reader would see them on the page (vote and reply controls,
    CSRF tokens). Ids the reader may not see are left out."""
    try:
        article, entitlement = _reader(request, article_id)
        ids = access.parse_ids(request.GET.get("ids", ""))
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    user = signed_in_user(request)
    rows = access.access_live_comments(article=article, ids=ids, user=user, entitlement=entitlement)
    viewer = Viewer(
        user=user,
        entitlement=entitlement,
        article=article,
        votes=selectors.my_votes(user=user, comment_ids=[c.pk for c in rows]),
    )
    out = []
    for comment in rows:
        comment.article = article
        html = render_to_string(
            "discussion/_comment.html",
            {"item": viewer.present(comment), "article": article, "fresh": True},
            request=request,
        )
        out.append(
            {
                "id": comment.pk,
                "parent": comment.parent_id,
                "thread": comment.thread_id,
                "depth": comment.depth,
                "anchored": cached_anchor(comment) is not None,
                "html": html,
            }
        )
    response = JsonResponse({"comments": out})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def ticket(request: HttpRequest, article_id: int) -> HttpResponse:
    """A stream ticket for the signed-in reader (in the embed: the SSO session of the
    bearer key, which parley/embed/middleware.py resolved), for this article only."""
    try:
        if request.GET.get("ticket"):
            raise tickets.TicketRefused("A ticket cannot buy another ticket.")
        article, _entitlement = _reader(request, article_id)
        user = signed_in_user(request)
        if user is None:
            raise NotSignedIn()
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    session = getattr(request, "parley_sso_session", None)
    value, expires = tickets.issue_ticket(user=user, article=article, session=session)
    response = JsonResponse({"ticket": value, "expires_at": expires.isoformat()})
    response["Cache-Control"] = "no-store"
    return response
