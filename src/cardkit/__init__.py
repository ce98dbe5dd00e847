"""cardkit: print police-public contact cards (警民联系卡) from rosters and generations.

The public API, in three lines (``roster`` may also be a file, or ``Officer`` objects)::

    import cardkit
    options = cardkit.PrintOptions(gen="2022", roster=[{"id": "LD001", "name": "吴明", ...}])
    pdf = cardkit.print_cards(cardkit.open_project(), options).pdf
"""

from ._version import __version__
from .api import PrintOptions, PrintResult, check, list_generations, print_cards, show_generation
from .errors import CardkitError, Diagnostic, ExitStatus, InputError, PreflightError, UsageError
from .model import Generation, Officer, Roster, Source, Unit
from .project import Project, open_project

__all__ = [
    "CardkitError", "Diagnostic", "ExitStatus", "Generation", "InputError", "Officer",
    "PreflightError", "PrintOptions", "PrintResult", "Project", "Roster", "Source", "Unit",
    "UsageError", "__version__", "check", "list_generations", "open_project", "print_cards",
    "show_generation",
]
