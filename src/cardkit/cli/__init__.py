"""The command line: click commands (``commands``), stderr console, progress bar, help wrapping.

The console script ``cardkit = "cardkit.cli:main"`` and ``python -m cardkit`` call ``main``.
"""

from .commands import cli, main

__all__ = ["cli", "main"]
