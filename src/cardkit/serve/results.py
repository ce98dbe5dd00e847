"""What the page shows of a worker's results: the downloads it offers, the problems table.

Light on purpose: the server imports it; ``work`` (the render engine's side) does too.
"""

from __future__ import annotations

from typing import Any

KINDS: dict[str, tuple[str, str, dict[str, Any]]] = {  # kind -> (file, ledger, print options)
    "office": ("office.pdf", "office-ledger.json", {"layout": "sheet", "paper": "A4"}),
    "shop": ("shop.pdf", "shop-ledger.json", {"preset": "shop"}),
}


def problem_rows(problems: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The diagnostics as the page's table: row, officer id and name, field, what, how to fix."""
    rows = []
    for problem in problems:
        subject = str(problem.get("subject", ""))
        officer_id = subject[len("officer "):] if subject.startswith("officer ") else ""
        what, fix = split_fix(str(problem.get("message", "")))
        rows.append({"severity": problem.get("severity", "error"), "line": problem.get("line") or "",
                     "rows": problem.get("rows") or [], "file": problem.get("file", ""),
                     "subject": subject, "officer": officer_id,
                     "name": names.get(officer_id, ""), "field": problem.get("field", ""),
                     "what": what, "fix": fix})
    return rows


# The first word of a fix in brackets (cardkit's messages end with one, or with a reason).
FIX_WORDS = ("write", "use", "put", "crop", "give", "fill", "make", "add", "remove", "print",
             "shorten", "split", "choose", "set", "rename", "correct", "save", "keep", "drop",
             "type", "export", "move", "lower", "raise", "install", "run", "quote", "delete",
             "请", "写", "用", "改", "把", "在", "去掉", "删", "加", "填", "裁", "换", "缩短", "拆")


def split_fix(message: str) -> tuple[str, str]:
    """(what is wrong, how to fix it): a message ending in brackets that start with a fix
    (``(write the real value)``, ``（改短）``) gives that fix; any other bracket is a reason
    and stays with what is wrong."""
    if not message.endswith((")", "）")):
        return message, ""
    depth = 0
    for at in range(len(message) - 1, -1, -1):
        if message[at] in ")）":
            depth += 1
        elif message[at] in "(（":
            depth -= 1
            if depth == 0:
                if at == 0:
                    break
                fix = message[at + 1:-1].strip()
                if not fix.lower().startswith(FIX_WORDS):
                    break
                return message[:at].rstrip(" ;；"), fix
    return message, ""
