"""Compatibility console scripts ``Upgrade15To16`` and ``Cleanup`` with the seed's exact flags."""

from __future__ import annotations

import sys


def upgrade15to16_main() -> None:
    sys.stderr.write("Upgrade15To16: not implemented yet\n")
    sys.exit(2)


def cleanup_main() -> None:
    sys.stderr.write("Cleanup: not implemented yet\n")
    sys.exit(2)
