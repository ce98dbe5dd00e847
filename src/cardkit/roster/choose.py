"""Which officers ``--officer`` names: an id, or a name as the clerk knows the officer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import UsageError
from ..i18n import _
from ..project import did_you_mean
from .validate import id_key


def officer_ids(given: Sequence[str], people: Iterable[tuple[str, str]]) -> list[str]:
    """The ids ``given`` names: each value is an officer's id, else an officer's name.

    A name two officers share is refused, naming their ids; a value that is neither an id
    nor a name is a usage error with a did-you-mean among the ids and names.
    """
    ids: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for officer_id, name in people:
        if officer_id:
            ids.setdefault(id_key(officer_id), officer_id)
            if name:
                names.setdefault(id_key(name), []).append(officer_id)
    chosen: list[str] = []
    for value in given:
        if id_key(value) in ids:
            chosen.append(value)
            continue
        owners = list(dict.fromkeys(names.get(id_key(value), [])))
        if len(owners) == 1:
            chosen.append(owners[0])
        elif owners:
            raise UsageError("--officer " + value + ": " + _(
                "{count} officers have this name ({ids}); give the id").format(
                count=len(owners), ids=", ".join(owners)))
        else:
            raise UsageError("--officer " + value + ": " + _(
                "no officer has this id or name") + did_you_mean(
                value, [*ids.values(), *(n for n in names if n)]))
    return chosen
