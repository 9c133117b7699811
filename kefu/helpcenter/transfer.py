"""Moving a help center in and out as a folder of Markdown files, the way editors keep it in git.

Layout::

    categories.yaml                      categories, one level of children, titles per language
    articles/<category>/<slug>.<lang>.md one file per article and language

Each article file is YAML front matter (slug, category, title, summary, tags,
similar_questions, related, status, position) followed by the Markdown body. Importing the same
folder again updates articles in place; nothing is duplicated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from django.db import transaction

from kefu.accounts.models import SupportLanguage

from . import actions
from .actions import ArticleData, ContentError, TranslationData
from .models import Article, ArticleStatus, Category
from .search.encoders import get_encoder
from .search.semantic import encode_passages, translation_texts

LANGUAGES = [code for code, _ in SupportLanguage.choices]
Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    categories: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    articles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[str] = field(default_factory=list)


def _read_article_files(root: Path) -> dict[str, list[tuple[str, frontmatter.Post, Path]]]:
    by_slug: dict[str, list[tuple[str, frontmatter.Post, Path]]] = defaultdict(list)
    for path in sorted((root / "articles").rglob("*.md")):
        stem, _, language = path.name[: -len(".md")].rpartition(".")
        if language not in LANGUAGES:
            raise ContentError(
                "bad_filename",
                f"{path}: file names are <slug>.<language>.md with language in {LANGUAGES}.",
            )
        try:
            post = frontmatter.load(str(path))
        except (yaml.YAMLError, ValueError) as exc:
            raise ContentError("bad_front_matter", f"{path}: {exc}") from None
        slug = str(post.get("slug") or stem)
        by_slug[slug].append((language, post, path))
    return by_slug


def _article_data(slug: str, files: list[tuple[str, frontmatter.Post, Path]]) -> ArticleData:
    shared: dict[str, Any] = {}
    translations = []
    for language, post, path in files:
        for key in ("category", "status", "tags", "related", "position"):
            if key in post.metadata and key not in shared:
                shared[key] = post.metadata[key]
        title = str(post.get("title") or "").strip()
        if not title or not post.content.strip():
            raise ContentError("missing_field", f"{path}: title and body are required.")
        questions = post.get("similar_questions") or []
        if not isinstance(questions, list):
            raise ContentError("bad_front_matter", f"{path}: similar_questions must be a list.")
        translations.append(
            TranslationData(
                language=language,
                title=title,
                summary=str(post.get("summary") or "").strip(),
                body=post.content.strip() + "\n",
                similar_questions=[str(q).strip() for q in questions if str(q).strip()],
            )
        )
    if "category" not in shared:
        shared["category"] = files[0][2].parent.name
    return ArticleData(
        slug=slug,
        category=str(shared["category"]),
        translations=translations,
        status=str(shared.get("status") or "published"),
        tags=[str(t) for t in shared.get("tags") or []],
        related=[str(r) for r in shared.get("related") or []],
        position=int(shared.get("position") or 0),
    )


def import_helpcenter(
    root: Path, actor: Any = None, progress: Progress | None = None
) -> ImportReport:
    """Import a folder; all or nothing, so a bad file leaves the help center as it was."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError("not_a_folder", f"{root} is not a folder.")
    report = ImportReport()
    by_slug = _read_article_files(root)
    items = [_article_data(slug, files) for slug, files in sorted(by_slug.items())]
    _encode_ahead(items)
    with transaction.atomic():
        categories_file = root / "categories.yaml"
        if categories_file.exists():
            _import_categories(yaml.safe_load(categories_file.read_text("utf-8")) or [], report)
        for done, data in enumerate(items, 1):
            _article, outcome = actions.upsert_article(data, actor=actor, note="import")
            report.articles[outcome] += 1
            if progress:
                progress(done, len(items), data.slug)
        for data in items:
            missing = actions.link_related(Article.objects.get(slug=data.slug), data.related)
            report.warnings.extend(f"{data.slug}: unknown related article {m!r}" for m in missing)
    return report


def _encode_ahead(items: list[ArticleData]) -> None:
    """Encode every text the index will need in one batch, spread over processes; articles
    are then indexed one by one from the encoding cache (twice as fast on two cores)."""
    encoder = get_encoder()
    if encoder is None:
        return
    texts = [
        text
        for data in items
        if data.status == ArticleStatus.PUBLISHED
        for t in data.translations
        for group in translation_texts(t.title, t.summary, t.similar_questions, t.body)
        for text in group
    ]
    encode_passages(encoder, list(dict.fromkeys(texts)))


def _import_categories(entries: list[dict[str, Any]], report: ImportReport) -> None:
    def one(entry: dict[str, Any], parent: Category | None) -> Category:
        if not isinstance(entry, dict) or "slug" not in entry or "title" not in entry:
            raise ContentError("bad_category", f"Category entries need slug and title: {entry!r}")
        category, outcome = actions.upsert_category(
            str(entry["slug"]),
            {k: str(v) for k, v in entry["title"].items()},
            {k: str(v) for k, v in (entry.get("description") or {}).items()},
            parent=parent,
            position=int(entry.get("position") or 0),
            icon=str(entry.get("icon") or ""),
        )
        report.categories[outcome] += 1
        return category

    for entry in entries:
        parent = one(entry, None)
        for child in entry.get("children") or []:
            one(child, parent)


def export_helpcenter(root: Path, progress: Progress | None = None) -> int:
    """Write every category and article (any status) to a folder; returns files written."""
    root = Path(root)
    (root / "articles").mkdir(parents=True, exist_ok=True)
    tops = Category.objects.filter(parent=None).prefetch_related("translations", "children")
    entries = [
        _category_entry(c, [_category_entry(ch, []) for ch in c.children.all()]) for c in tops
    ]
    (root / "categories.yaml").write_text(
        yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), "utf-8"
    )
    articles = list(
        Article.objects.select_related("category").prefetch_related(
            "translations", "similar_questions", "tags", "related"
        )
    )
    written = 1
    for done, article in enumerate(articles, 1):
        folder = root / "articles" / article.category.slug
        folder.mkdir(parents=True, exist_ok=True)
        for tr in article.translations.all():
            metadata = {
                "slug": article.slug,
                "category": article.category.slug,
                "title": tr.title,
                "summary": tr.summary,
                "status": article.status,
                "position": article.position,
                "tags": [t.slug for t in article.tags.all()],
                "similar_questions": [
                    q.text for q in article.similar_questions.all() if q.language == tr.language
                ],
                "related": [r.slug for r in article.related.all()],
            }
            post = frontmatter.Post(tr.body, handler=None, **metadata)
            text = frontmatter.dumps(post, sort_keys=False, allow_unicode=True)
            (folder / f"{article.slug}.{tr.language}.md").write_text(text + "\n", "utf-8")
            written += 1
        if progress:
            progress(done, len(articles), article.slug)
    return written


def _category_entry(category: Category, children: list[dict[str, Any]]) -> dict[str, Any]:
    translations = list(category.translations.all())
    entry: dict[str, Any] = {
        "slug": category.slug,
        "position": category.position,
        "icon": category.icon,
        "title": {t.language: t.title for t in translations},
        "description": {t.language: t.description for t in translations},
    }
    if children:
        entry["children"] = children
    return entry
