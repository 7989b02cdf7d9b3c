"""Editors mark passages with questions; anchors and revisions are shown read-only."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from parley.articles.body import plain_text
from parley.errors import InvalidInput
from parley.inline.access import find_passage
from parley.inline.actions import do_save_question
from parley.inline.models import Anchor, ArticleRevision, PassageQuestion


class PassageQuestionForm(forms.ModelForm):
    passage = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Paste the passage exactly as the article shows it.",
    )
    occurrence = forms.IntegerField(
        min_value=1,
        initial=1,
        help_text="If the passage appears more than once in the article: which one (1 = first).",
    )

    class Meta:
        model = PassageQuestion
        fields = ("article", "question")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_placed:
            text = plain_text(self.instance.article.body)
            self.initial["passage"] = self.instance.exact
            self.initial["occurrence"] = 1 + text[: self.instance.start].count(self.instance.exact)
        self.span: tuple[int, int] | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        article = cleaned.get("article")
        passage = cleaned.get("passage")
        if article is not None and passage:
            try:
                self.span = find_passage(
                    plain_text(article.body), passage, cleaned.get("occurrence") or 1
                )
            except InvalidInput as error:
                self.add_error("passage", error.message)
        return cleaned


@admin.register(PassageQuestion)
class PassageQuestionAdmin(admin.ModelAdmin):
    form = PassageQuestionForm
    list_display = ("question", "article", "exact", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("question", "exact")
    readonly_fields = ("state", "exact", "start", "end")
    fields = ("article", "question", "passage", "occurrence", "state", "exact", "start", "end")

    def save_model(
        self, request: HttpRequest, obj: PassageQuestion, form: Any, change: bool
    ) -> None:
        assert form.span is not None
        start, end = form.span
        do_save_question(question=obj, start=start, end=end, text=plain_text(obj.article.body))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Anchor)
class AnchorAdmin(ReadOnlyAdmin):
    list_display = ("comment", "state", "exact", "start", "end")
    list_filter = ("state",)
    search_fields = ("exact", "original_exact")


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(ReadOnlyAdmin):
    list_display = ("article", "number", "created_at")
    list_filter = ("article",)
