from django.db import models
from django.urls import reverse
from django.utils import timezone

from parley.accounts.policy import ErasurePolicy, PostRule, ReadRule, VoteRule
from parley.articles import body as body_blocks


class Site(models.Model):
    """A publication. A publisher may run several sites on one Parley."""

    key = models.SlugField(max_length=50, unique=True, help_text="Short public identifier.")
    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200, blank=True)
    domain = models.CharField(
        max_length=200, blank=True, help_text="Host name that serves this site (optional)."
    )
    edit_window_minutes = models.PositiveIntegerField(
        default=15, help_text="How long authors may edit their comments."
    )
    comments_page_size = models.PositiveIntegerField(
        default=10, help_text="Top-level threads per page of the discussion."
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Who may read, post and vote (parley/accounts/policy.py), and the metered paywall
    # (parley/paywall). On the site row because every page and API call loads it with the
    # article: deciding costs no query.
    read_rule = models.CharField(
        max_length=20, choices=ReadRule.choices, default=ReadRule.EVERYONE,
        help_text="Who may read the discussion.",
    )  # fmt: skip
    post_rule = models.CharField(
        max_length=20, choices=PostRule.choices, default=PostRule.SUBSCRIBERS,
        help_text="Who may comment and reply.",
    )  # fmt: skip
    vote_rule = models.CharField(
        max_length=20, choices=VoteRule.choices, default=VoteRule.SUBSCRIBERS,
        help_text="Who may vote.",
    )  # fmt: skip
    meter_free_articles = models.PositiveIntegerField(
        default=0,
        help_text="Free articles per calendar month for guests and free readers (0: no meter).",
    )
    # What a reader's erasure of their account does to their comments here (docs/accounts.md).
    erasure_policy = models.CharField(
        max_length=12,
        choices=ErasurePolicy.choices,
        default=ErasurePolicy.ANONYMISE,
        help_text="When a reader deletes their account, what becomes of their comments. "
        "Replies to them stay either way.",
    )

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="authors")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    bio = models.TextField(blank=True)
    social_handle = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "slug"], name="unique_author_slug")]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """An article page. `body` is plain text in blocks separated by blank lines; a block
    starting with `> ` is a pull quote and one starting with `## ` a subheading."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="articles")
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="articles", null=True, blank=True
    )
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=300)
    standfirst = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    image_url = models.CharField(max_length=500, blank=True)
    image_alt = models.CharField(max_length=300, blank=True)
    image_caption = models.CharField(max_length=300, blank=True)
    image_credit = models.CharField(max_length=200, blank=True)
    canonical_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    discussion_closed = models.BooleanField(default=False)
    # Visible comments at every depth; changed with F() by the discussion actions.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    # Overrides of the site's rules (parley/accounts/policy.py); blank: the site's.
    read_rule = models.CharField(max_length=20, choices=ReadRule.choices, blank=True)
    post_rule = models.CharField(max_length=20, choices=PostRule.choices, blank=True)
    vote_rule = models.CharField(max_length=20, choices=VoteRule.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "slug"], name="unique_article_slug")]
        indexes = [models.Index(fields=["site", "-published_at"], name="article_recent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article", kwargs={"slug": self.slug})

    @property
    def blocks(self) -> list[body_blocks.Block]:
        return body_blocks.parse(self.body)

    @property
    def reading_minutes(self) -> int:
        return body_blocks.reading_minutes(self.body)
