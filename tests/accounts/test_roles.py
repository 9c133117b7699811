"""Staff roles decide what the back office lets each person do."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Agent, Role
from kefu.helpcenter.models import Article, ArticleRevision

from ..staff import sign_in

pytestmark = pytest.mark.django_db


def staff(role: str) -> Agent:
    return Agent.objects.create_user(username=f"u-{role}", password="x" * 12, role=role)


def test_roles_map_to_permissions():
    editor, agent, admin = staff(Role.CONTENT_EDITOR), staff(Role.AGENT), staff(Role.ADMIN)
    assert editor.has_perm("helpcenter.change_article")
    assert not editor.has_perm("accounts.change_agent")
    assert agent.has_perm("helpcenter.view_article")
    assert not agent.has_perm("helpcenter.change_article")
    assert admin.is_superuser and admin.has_perm("accounts.change_agent")
    assert all(u.is_staff for u in (editor, agent, admin))


def test_agent_cannot_edit_articles_in_admin(client):
    sign_in(client, staff(Role.AGENT))
    article = Article.objects.get(slug="lost-2fa")
    assert client.get(f"/admin/helpcenter/article/{article.pk}/change/").status_code == 200  # view
    response = client.post(f"/admin/helpcenter/article/{article.pk}/change/", {"slug": "hacked"})
    assert response.status_code == 403


def test_editor_publishes_from_admin_and_a_revision_names_them(client):
    editor = staff(Role.CONTENT_EDITOR)
    sign_in(client, editor)
    article = Article.objects.get(slug="lost-2fa")
    response = client.post(
        "/admin/helpcenter/article/",
        {"action": "unpublish", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "unpublished"
    assert client.get("/en/articles/lost-2fa/").status_code == 404
    preview = client.get("/en/preview/lost-2fa/")
    assert preview.status_code == 200 and b"Preview" in preview.content
    from kefu.helpcenter import actions

    tr = article.translation("en")
    tr.body += "\nEdited by the editor."
    tr.save()
    actions.save_article_content(article, actor=editor, note="admin")
    latest = ArticleRevision.objects.filter(article=article, language="en").first()
    assert latest.author == editor


def test_admin_pages_load_for_every_model(admin_client):
    from django.contrib import admin

    for model in admin.site._registry:
        meta = model._meta
        response = admin_client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
        assert response.status_code == 200, meta.label
