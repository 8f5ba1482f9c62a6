"""Number the exercises of each page from 1 (sphinx-exercise numbers them across the book).

sphinx-exercise 1.2.1 registers ``exercise`` as an enumerable node, so Sphinx numbers
exercises like figures: with a toctree that is not ``numbered`` the counter runs on
across documents, and the Adam chapter's first exercise would be "Exercise 13" (and
change whenever an earlier chapter gains an exercise). This extension renumbers them
per page, in the page's order, after Sphinx has assigned its numbers (``env-get-updated``,
priority 900): "Exercise 1", "Exercise 2" on every page. References and the solutions'
titles ("Solution to Exercise 2") read the same table, so they agree.
``python -m optimizers.assign student`` numbers the exercises the same way.
A section-number prefix (a ``numbered`` toctree) is kept: "Exercise 3.1", "3.2".
"""

from __future__ import annotations

from typing import Any


def renumber_per_page(app: Any, env: Any) -> list[str]:
    for figtypes in env.toc_fignumbers.values():
        numbers = figtypes.get("exercise")
        if not numbers:
            continue
        ordered = sorted(numbers.items(), key=lambda item: item[1])
        figtypes["exercise"] = {
            node_id: (*number[:-1], position)
            for position, (node_id, number) in enumerate(ordered, start=1)
        }
    return []


def setup(app: Any) -> dict[str, Any]:
    app.connect("env-get-updated", renumber_per_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
