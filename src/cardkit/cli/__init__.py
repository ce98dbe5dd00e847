"""The command line: click commands (``commands``), stderr console, progress bar, help
wrapping, click's own messages in the catalogue (``click_messages``, ``i18n_extract``).

The console script ``cardkit = "cardkit.cli:main"`` and ``python -m cardkit`` call ``main``.
"""

from .commands import cli, main

__all__ = ["cli", "main"]
