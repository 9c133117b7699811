"""Background work of forecasting: count ended intervals' tickets into the contact history."""

from __future__ import annotations

from typing import Any

from kefu.jobs import periodic, task

from .rollup import roll_up_contacts

ROLLUP_EVERY_SECONDS = 600.0


@task("insights.roll_up_contacts")
def roll_up_contacts_task() -> dict[str, Any]:
    """Count tickets opened per channel per 30 minutes up to the last ended interval."""
    return roll_up_contacts().as_dict()


periodic("insights.roll_up_contacts", every_seconds=ROLLUP_EVERY_SECONDS)
