"""Help center content: categories, articles in several languages, revisions and feedback."""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import SupportLanguage


class Category(models.Model):
    """A section of the help center; top-level categories may have one level of children."""

    slug = models.SlugField(_("slug"), unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    icon = models.CharField(_("icon"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A category cannot be its own parent.")})
            if self.parent is not None and self.parent.parent_id is not None:
                raise ValidationError({"parent": _("Categories nest one level only.")})
            if self.pk and self.children.exists():
                raise ValidationError({"parent": _("A category with children cannot be nested.")})

    def translation(self, language: str) -> CategoryTranslation | None:
        return _pick_translation(list(self.translations.all()), language)


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("category translation")
        verbose_name_plural = _("category translations")
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="uniq_category_language")
        ]

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=64)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class Article(models.Model):
    """One help topic. Its words live in translations; the article holds what they share."""

    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=False
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["category__position", "position", "slug"]
        indexes = [models.Index(fields=["status", "-view_count"])]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    def translation(self, language: str) -> ArticleTranslation | None:
        return _pick_translation(list(self.translations.all()), language)


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("The direct answer, quoted by the assistant.")
    )
    body = models.TextField(_("body"), help_text=_("Markdown."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="uniq_article_language")
        ]

    def __str__(self) -> str:
        return self.title


class SimilarQuestion(models.Model):
    """A way users phrase the article's question; search and the assistant match on these."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="similar_questions")
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        verbose_name = _("similar question")
        verbose_name_plural = _("similar questions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class ArticleRevision(models.Model):
    """A snapshot of one translation each time it changes: who, when and what."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"))
    similar_questions = models.JSONField(_("similar questions"), default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-created_at", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "number"], name="uniq_revision_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} {self.language} r{self.number}"


class FeedbackReason(models.TextChoices):
    SOLVED = "solved", _("It solved my problem")
    CLEAR = "clear", _("Clear and easy to follow")
    NOT_MY_QUESTION = "not_my_question", _("It does not answer my question")
    UNCLEAR = "unclear", _("Hard to understand")
    INACCURATE = "inaccurate", _("Wrong or out of date")
    NEED_HELP = "need_help", _("I still need help from a person")
    OTHER = "other", _("Something else")


class ArticleFeedback(models.Model):
    """An answer to "was this helpful?"."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    helpful = models.BooleanField(_("helpful"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=FeedbackReason.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.article.slug}: {'yes' if self.helpful else 'no'}"


class SynonymGroup(models.Model):
    """Words that mean the same to a searcher, e.g. 提币, 提现, withdraw, withdrawal."""

    terms = models.TextField(
        _("terms"), help_text=_("Comma-separated; each term may be Chinese or English.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.terms[:80]

    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.replace("，", ",").split(",") if t.strip()]


class SearchDocument(models.Model):
    """One published article translation as the search index sees it: normalised, segmented.

    Token fields hold space-separated tokens; each process builds its in-memory inverted index
    from them (``search/lexical.py``).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, choices=SupportLanguage.choices)
    title_tokens = models.TextField()
    question_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    tag_tokens = models.TextField(blank=True)
    snippet_text = models.TextField(blank=True, help_text="Plain text that snippets are cut from.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="uniq_searchdoc")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language}"


class SearchTerm(models.Model):
    """Every token of the index with the number of documents holding it.

    Gives rarity (IDF) to rankers that lack it and the vocabulary typos are corrected against.
    """

    term = models.CharField(max_length=64, unique=True)
    doc_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.term


class SearchIndexState(models.Model):
    """A single row whose generation changes whenever the index does, to refresh caches."""

    generation = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"generation {self.generation}"


class EncodedText(models.Model):
    """A cache of sentence vectors by text, so re-indexing re-encodes only what changed."""

    encoder = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the encoded text.")
    vector = models.BinaryField(help_text="float32, L2-normalised.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["encoder", "digest"], name="uniq_encoded_text")
        ]

    def __str__(self) -> str:
        return f"{self.encoder}:{self.digest[:12]}"


class SemanticVector(models.Model):
    """The meaning of one article translation: passage 0 is the centroid of its title, summary
    and questions; passages 1, 2, ... are the parts of its body (``search/passages.py``).

    Kept apart from ``SearchDocument`` so that processes load only vectors of their encoder.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, choices=SupportLanguage.choices)
    encoder = models.CharField(max_length=64)
    passage = models.PositiveSmallIntegerField(
        default=0, help_text="0: title, summary and questions; 1 and up: body passages."
    )
    vector = models.BinaryField(help_text="float32, L2-normalised.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "encoder", "passage"],
                name="uniq_semantic_vector_passage",
            )
        ]
        indexes = [models.Index(fields=["encoder", "language"], name="semvec_lookup")]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language}/{self.encoder}/{self.passage}"


_T = TypeVar("_T", ArticleTranslation, CategoryTranslation)


def _pick_translation(translations: list[_T], language: str) -> _T | None:
    """The translation in ``language``, else English, else any."""
    by_lang = {t.language: t for t in translations}
    return by_lang.get(language) or by_lang.get("en") or next(iter(by_lang.values()), None)
