"""Who may read, post and vote in a discussion: the site's rules with an article's overrides.

Pure: no queries. The rules live on `articles.Site` and `articles.Article` (loaded with
every article, so deciding costs nothing) and are applied in one place,
`entitlements.Entitlement` (`may_read`, `may_post`, `may_vote`). The defaults are the
subscriber discussion: everyone reads, subscribers (and staff) post and vote.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from parley.articles.models import Article, Site


class ReadRule(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    SIGNED_IN = "signed_in", "Signed-in readers"
    SUBSCRIBERS = "subscribers", "Subscribers"


class PostRule(models.TextChoices):
    SUBSCRIBERS = "subscribers", "Subscribers"
    SIGNED_IN = "signed_in", "Any signed-in reader"
    GUESTS = "guests", "Anyone, guests with a name"


class VoteRule(models.TextChoices):
    SUBSCRIBERS = "subscribers", "Subscribers"
    SIGNED_IN = "signed_in", "Any signed-in reader"


class ErasurePolicy(models.TextChoices):
    """What happens to a site's comments when their author erases the account
    (parley/accounts/erasure.py, docs/accounts.md). Either way replies keep their place."""

    ANONYMISE = "anonymise", "Keep the comments, shown as by a former reader"
    TOMBSTONE = "tombstone", "Remove the comments' text, leaving tombstones"


@dataclass(frozen=True)
class Rules:
    read: str = ReadRule.EVERYONE
    post: str = PostRule.SUBSCRIBERS
    vote: str = VoteRule.SUBSCRIBERS


DEFAULT_RULES = Rules()


def rules_for_site(site: "Site") -> Rules:
    return Rules(read=site.read_rule, post=site.post_rule, vote=site.vote_rule)


def rules_for(article: "Article") -> Rules:
    """The article's rules: each of its overrides, else its site's. Needs `site` loaded
    (every access function selects it) to cost no query."""
    site = rules_for_site(article.site)
    return Rules(
        read=article.read_rule or site.read,
        post=article.post_rule or site.post,
        vote=article.vote_rule or site.vote,
    )


def allows(rule: str, *, standing: str) -> bool:
    """Whether a rule admits a standing (the values of entitlements.Standing). Staff pass
    every rule; a lapsed subscriber counts as a signed-in reader, never as a subscriber."""
    if standing == "staff":
        return True
    if rule in ("everyone", "guests"):
        return True
    if rule == "signed_in":
        return standing != "guest"
    return standing == "subscriber"
