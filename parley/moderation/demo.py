"""The demo's moderation: a policy for the demo site, and queues that already hold work
when the demo moderator signs in (a comment held by a rule, one reported, ones from a
first-time commenter). Held comments are pending, so no public count changes; the
reported one stays visible (two reports, under the threshold of three)."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from parley.accounts.models import Subscription, User
from parley.articles.models import Article, Site
from parley.demo.content import PASSWORD, SITE
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.discussion import actions as discussion_actions
from parley.discussion import rendering
from parley.discussion.models import Comment, CommentStatus
from parley.moderation import actions
from parley.moderation.models import (
    ArticlePolicy,
    HoldRule,
    LinkMode,
    Mode,
    ReportReason,
    SitePolicy,
)

NEWCOMER = ("nell", "Nell Newcomer")
DEMO_POLICY = {
    "mode": Mode.POST,
    "first_held_count": 2,
    "banned_words": "cunt\nfuck*",
    "suspect_words": "delusional\nidiot*\nmoron*\nliar\nshut up",
    "masked_words": "crap\npiss\nshit*\nbollocks",
    "links": LinkMode.HOLD,
    "links_min_approved": 2,
    "allowed_domains": "example.org",
    "report_threshold": 3,
}
HELD_BY_RULE = (
    "quiet-return-of-the-repair-shop",
    "gareth",
    "Anyone who thinks a repair café can replace a proper warranty is delusional. "
    "The manufacturers are laughing at all of you.",
    HoldRule.SUSPECT_WORD,
    "“delusional”",
)
FIRST_COMMENTS = [
    (
        "night-train-arithmetic",
        "I took the sleeper to Vienna for the first time last month and it was the best "
        "night's sleep I have had on any journey. Count me in for a common fleet.",
        HoldRule.FIRST_COMMENTS,
        "0 of 2 approved so far",
    ),
    (
        "quiet-return-of-the-repair-shop",
        "We repair bikes and kettles every Saturday; all the details are on our site: "
        "https://fixit-saturdays.example.net/about",
        HoldRule.LINK,
        "to fixit-saturdays.example.net; the commenter has 0 approved comments",
    ),
]
REPORTED = (
    "You are wrong and you know it.",
    [
        ("desmond", ReportReason.ABUSE, ""),
        ("harriet", ReportReason.OTHER, "Shouting at another reader."),
    ],
)


def _post(article: Article, user: User, body: str, ago: timedelta) -> Comment:
    body = rendering.check_body(body)
    return discussion_actions.do_post_comment(
        user=user,
        article=article,
        body=body,
        body_html=rendering.render(body),
        status=CommentStatus.PENDING,
        created_at=timezone.now() - ago,
    )


def load_demo_moderation() -> None:
    """Runs once, inside the demo loader's transaction, after the discussions exist."""
    site = Site.objects.get(key=SITE["key"])
    SitePolicy.objects.update_or_create(site=site, defaults=DEMO_POLICY)
    # One article shows a per-article override: its first comments wait for approval.
    ArticlePolicy.objects.update_or_create(
        article=Article.objects.get(site=site, slug="night-train-arithmetic"),
        defaults={"mode": Mode.FIRST},
    )
    actions.remask_site(site.pk)  # the main discussion's "crap" now reads "c***"

    users = {
        u.username: u for u in User.objects.filter(username__in=["gareth", "desmond", "harriet"])
    }
    newcomer, _ = User.objects.get_or_create(username=NEWCOMER[0])
    newcomer.display_name = NEWCOMER[1]
    newcomer.password = make_password(PASSWORD)
    newcomer.save()
    Subscription.objects.create(
        user=newcomer, site=site, starts_at=timezone.now() - timedelta(days=2)
    )

    slug, username, body, rule, reason = HELD_BY_RULE
    held = _post(
        Article.objects.get(site=site, slug=slug), users[username], body, timedelta(hours=3)
    )
    actions.do_hold(comment=held, rule=rule, reason=reason)
    for i, (slug, body, rule, reason) in enumerate(FIRST_COMMENTS):
        article = Article.objects.get(site=site, slug=slug)
        comment = _post(article, newcomer, body, timedelta(hours=2 - i))
        actions.do_hold(comment=comment, rule=rule, reason=reason)

    start, reports = REPORTED
    target = Comment.objects.get(
        article__site=site, article__slug=DISCUSSION_SLUG, body__startswith=start
    )
    for username, reason, text in reports:
        actions.do_report(reporter=users[username], comment=target, reason=reason, text=text)
