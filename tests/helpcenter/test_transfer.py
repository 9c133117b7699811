"""Import and export of the help center as Markdown files with front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kefu.helpcenter.actions import ContentError
from kefu.helpcenter.models import Article, ArticleRevision, SemanticVector, SimilarQuestion
from kefu.helpcenter.transfer import export_helpcenter, import_helpcenter

pytestmark = pytest.mark.django_db


def test_export_then_reimport_changes_nothing(tmp_path: Path):
    articles, questions = Article.objects.count(), SimilarQuestion.objects.count()
    export_helpcenter(tmp_path)
    assert len(list((tmp_path / "articles").rglob("*.md"))) == 2 * articles
    report = import_helpcenter(tmp_path)
    assert dict(report.articles) == {"unchanged": articles}
    assert (Article.objects.count(), SimilarQuestion.objects.count()) == (articles, questions)


def test_reimport_updates_in_place_with_a_revision(tmp_path: Path):
    export_helpcenter(tmp_path)
    path = tmp_path / "articles" / "withdrawals" / "withdrawal-fees.en.md"
    text = path.read_text("utf-8").replace(
        "similar_questions:\n", "similar_questions:\n- What does it cost to send coins out?\n", 1
    )
    path.write_text(text + "\nAn extra paragraph about fees.\n", "utf-8")
    before = ArticleRevision.objects.filter(article__slug="withdrawal-fees", language="en").count()
    report = import_helpcenter(tmp_path)
    assert dict(report.articles) == {"unchanged": Article.objects.count() - 1, "updated": 1}
    article = Article.objects.get(slug="withdrawal-fees")
    assert "extra paragraph" in article.translation("en").body
    assert article.similar_questions.filter(text="What does it cost to send coins out?").exists()
    assert article.revisions.filter(language="en").count() == before + 1


def test_new_article_file_is_created(tmp_path: Path):
    (tmp_path / "articles" / "api").mkdir(parents=True)
    (tmp_path / "articles" / "api" / "websocket-streams.en.md").write_text(
        "---\ntitle: WebSocket market streams\ncategory: api\ntags: [api]\n"
        "similar_questions: [how to subscribe to trades]\nrelated: [api-rate-limits, gone]\n---\n"
        "Subscribe to streams.\n",
        "utf-8",
    )
    report = import_helpcenter(tmp_path)
    assert dict(report.articles) == {"created": 1}
    assert report.warnings == ["websocket-streams: unknown related article 'gone'"]
    article = Article.objects.get(slug="websocket-streams")
    assert list(article.related.values_list("slug", flat=True)) == ["api-rate-limits"]
    assert article.is_published


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("x.fr.md", "---\ntitle: X\n---\nbody\n", "bad_filename"),
        ("x.en.md", "---\ntitle: [unclosed\n---\nbody\n", "bad_front_matter"),
        ("x.en.md", "---\ncategory: api\n---\nbody\n", "missing_field"),
        ("x.en.md", "---\ntitle: X\ncategory: nowhere\n---\nbody\n", "unknown_category"),
    ],
)
def test_bad_files_are_refused_whole(tmp_path: Path, name: str, content: str, code: str):
    folder = tmp_path / "articles" / "api"
    folder.mkdir(parents=True)
    (folder / "aaa-good.en.md").write_text("---\ntitle: Good one\n---\nfine\n", "utf-8")
    (folder / name).write_text(content, "utf-8")
    with pytest.raises(ContentError) as info:
        import_helpcenter(tmp_path)
    assert info.value.code == code
    assert not Article.objects.filter(slug="aaa-good").exists()  # all or nothing


def test_command_reports_errors_with_code(tmp_path: Path):
    with pytest.raises(CommandError, match=r"\[not_a_folder\]"):
        call_command("helpcenter", "import", str(tmp_path / "missing"))


@override_settings(KEFU_ENCODER="tests.helpcenter.test_semantic:CountingEncoder")
def test_an_import_encodes_its_texts_in_one_batch_before_indexing(tmp_path: Path):
    from .test_semantic import CountingEncoder

    folder = tmp_path / "articles" / "api"
    folder.mkdir(parents=True)
    for n in range(3):
        (folder / f"batch-probe-{n}.en.md").write_text(
            f"---\ntitle: Batch probe {n}\ncategory: api\n"
            f"similar_questions: [is probe {n} encoded once]\n---\n"
            f"## Part one\nProbe {n} has a body.\n\n## Part two\nAnd a second section.\n",
            "utf-8",
        )
    CountingEncoder.calls = []
    import_helpcenter(tmp_path)
    # One call for the whole folder; indexing each article then found every text cached.
    assert len(CountingEncoder.calls) == 1
    assert "Batch probe 2 Part two: And a second section." in CountingEncoder.calls[0]
    assert SemanticVector.objects.filter(article__slug="batch-probe-0", passage__gt=0).count() == 2
