"""Shared fixtures: the demo help center is loaded once per test database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from kefu.assistant.matching import knowledge
from kefu.connectors.webchat import on_loop
from kefu.helpcenter.demo_data import load_demo_helpcenter
from kefu.helpcenter.search import engine, vector_file
from kefu.helpcenter.search.indexer import current_generation
from kefu.tickets.opening import forget_teams
from kefu.tickets.sla.policy import forget_policies
from kefu.trust import ratelimit


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Staff passwords hashed with Django's slow, secure default cost ~0.3 s each, and most tests
    create the demo staff; tests check who may sign in, not the hash's cost."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        sentence_vectors = settings.DATA_DIR / "test-sentence-vectors.npz"
        # Encoding the demo help center costs over a minute of CPU; `make test` shares the
        # vectors between its SQLite and PostgreSQL passes through the data dir.
        vector_file.restore(sentence_vectors)
        load_demo_helpcenter()
        # Trains once so the sentence vectors of every phrasing are cached in the session's
        # database; tests roll back to it and retrain without re-encoding.
        knowledge.build_knowledge(current_generation())
        vector_file.keep(sentence_vectors)


@pytest.fixture(autouse=True)
def jobs_inline(settings):  # type: ignore[no-untyped-def]
    """Background jobs run inline after commit: in the scaled pass no Celery worker listens
    (tests that exercise the worker or the threads switch this off themselves)."""
    settings.KEFU_JOBS_EAGER = True


@pytest.fixture(autouse=True)
def assistant_retrains_inline(settings):  # type: ignore[no-untyped-def]
    """A test that edits the help center then asks the assistant expects the edit learned;
    the background retrain has a test of its own (tests/assistant/test_retraining.py)."""
    settings.KEFU_ASSISTANT_RETRAIN = "inline"


@pytest.fixture(autouse=True)
def fresh_search_caches() -> Iterator[None]:
    """Rolled-back tests can reuse an index generation number; never share caches across them."""
    engine.reset_caches()
    forget_policies()
    forget_teams()
    yield
    engine.reset_caches()
    forget_policies()
    forget_teams()


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):  # type: ignore[no-untyped-def]
    """Every test counts requests from zero: the test client always comes from 127.0.0.1."""
    settings.KEFU_RATE_LIMIT_PREFIX = f"ratelimit-{uuid.uuid4().hex}"


@pytest.fixture
def admin_client(client, admin_user):  # type: ignore[no-untyped-def]
    """pytest-django's, signed in with both steps (a password alone signs no staff in)."""
    from .staff import sign_in

    return sign_in(client, admin_user)


@pytest.fixture(autouse=True)
def loop_connections_closed() -> Iterator[None]:
    """Each test runs its sockets in an event loop of its own, and scaled mode's chat opens a
    database connection and a Redis client (rate limits) per loop: dropped after the test, so
    none outlives its loop."""
    yield
    on_loop.disconnect_all()
    ratelimit.forget_clients()
