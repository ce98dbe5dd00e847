"""What the page shows of a worker's results: the downloads it offers, the problems table.

Light on purpose: the server imports it; ``work`` (the render engine's side) does too.
"""

from __future__ import annotations

from typing import Any

KINDS = {  # download kind -> (file, ledger, print options)
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


def split_fix(message: str) -> tuple[str, str]:
    """(what is wrong, how to fix it): cardkit's messages end with the fix in brackets."""
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
                return message[:at].rstrip(" ;；"), message[at + 1:-1].strip()
    return message, ""
