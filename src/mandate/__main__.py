"""The ``mandate`` command: Django's management commands plus the project's own."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "mandate"
    # Several commands read as two words ("mandate dispute create"); Django names them with a
    # hyphen-free single word and a sub-command, so the argv passes through unchanged.
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
