"""The demo help center of Beacon, the fictional exchange Kefu ships with."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from django.db import transaction

from . import actions
from .models import SynonymGroup
from .transfer import ImportReport, Progress, import_helpcenter

DEMO_CONTENT = Path(str(resources.files(__package__).joinpath("demo")))


def default_synonym_groups() -> list[list[str]]:
    text = resources.files(f"{__package__}.search").joinpath("synonyms.txt").read_text("utf-8")
    return [
        [term.strip() for term in line.split(",") if term.strip()]
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


@transaction.atomic
def ensure_default_synonyms() -> int:
    """Fill the editable synonym list with the defaults if it is empty; returns groups added."""
    if SynonymGroup.objects.exists():
        return 0
    groups = default_synonym_groups()
    for terms in groups:
        actions.save_synonyms(SynonymGroup(terms=", ".join(terms), note="default"))
    return len(groups)


def load_demo_helpcenter(progress: Progress | None = None) -> ImportReport:
    ensure_default_synonyms()
    return import_helpcenter(DEMO_CONTENT, progress=progress)
