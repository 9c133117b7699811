"""The ``kefu`` command: Django's management commands under Kefu's settings.

``kefu serve``, ``kefu bench search``, ``kefu helpcenter import PATH`` and every Django command
(``kefu migrate``, ``kefu createsuperuser``) go through here.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["kefu", *argv])
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
