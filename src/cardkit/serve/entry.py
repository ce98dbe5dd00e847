"""The worker processes' entry point, light for the server to name.

The server refers to ``run`` when it starts a task; the forkserver has already imported
``work`` (and through it WeasyPrint and the render stages), so a task's process starts warm
while the server itself never imports the render engine.
"""

from __future__ import annotations

from typing import Any


def run(task: str, folder: str, params: dict[str, Any]) -> None:
    from . import work

    work.run(task, folder, params)
