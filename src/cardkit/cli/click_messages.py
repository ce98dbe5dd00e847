"""The words of click (the command-line library) that cardkit users meet, for the catalogue.

click translates its own messages with gettext; :func:`cardkit.i18n.set_language`
routes them through cardkit's catalogue.  Listing them here puts them in the
extracted template, so the completeness test covers them like our own.  The
text must stay exactly click's (``tests/unit/test_i18n.py`` checks it against the
installed click).  ``Error:`` is deliberately absent: that keyword stays English.
Nothing imports this module at run time.
"""

from ..i18n import N_, Nn_

MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Try '{command} {option}' for help."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Missing option"),
    N_("Missing argument"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Choose from:\n\t{choices}"),
    N_("default: {default}"),
    N_("required"),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("Option {name!r} does not take a value."),
    N_("Aborted!"),
)

PLURALS = (
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
)
