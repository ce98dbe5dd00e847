"""The command line: click commands (``commands``), stderr console, progress bar, help
wrapping, click's own messages in the catalogue (``click_messages``, ``i18n_extract``).

The console script ``cardkit = "cardkit.cli:run"`` and ``python -m cardkit`` call ``run``
(``main``, then the process ends without the interpreter's teardown); a program calls ``main``.
"""

from .commands import cli, main, run

__all__ = ["cli", "main", "run"]
