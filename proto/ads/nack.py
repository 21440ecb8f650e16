"""Which resources a NACK was about.

Envoy NACKs a whole response but names the resources it rejected in error_detail ("Error adding/
updating listener(s) 0.0.0.0_80: ..."). The resources of the response that Envoy did not already
hold, and whose names the message mentions, are the rejected ones; when it names none of them, all
of them are treated as rejected.
"""
from __future__ import annotations

import re
from typing import Iterable

from .snapshot import Resource


def rejected(changed: Iterable[Resource], message: str) -> list[Resource]:
    changed = list(changed)
    named = [r for r in changed if r.name and r.name in message]
    return named or changed


_NAME = re.compile(r'^name: "([^"]*)"', re.M)


def condense(message: str, limit: int = 400) -> str:
    """Envoy's error_detail on one line. A proto validation error comes after a text dump of the
    whole resource ("<dump>\\n: Proto constraint validation failed ..."); the dump is reduced to the
    resource's name."""
    text = message.replace("goo.gle/debugproto", "")
    if "\n: " in text:
        head, tail = text.rsplit("\n: ", 1)
        name = _NAME.search(head)
        text = f"{name.group(1) if name else 'resource'}: {tail}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
