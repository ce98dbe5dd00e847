"""cardkit: print police-public contact cards (警民联系卡) from rosters and generations."""

__version__ = "0.1.0"

from .api import PrintOptions, PrintResult, check, list_generations, print_cards, show_generation
from .errors import CardkitError, Diagnostic, ExitStatus, InputError, PreflightError, UsageError
from .project import Project, open_project

__all__ = [
    "CardkitError", "Diagnostic", "ExitStatus", "InputError", "PreflightError", "PrintOptions",
    "PrintResult", "Project", "UsageError", "__version__", "check", "list_generations",
    "open_project", "print_cards", "show_generation",
]
