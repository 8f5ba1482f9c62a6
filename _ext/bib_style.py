"""Citations in round brackets: "Kingma and Ba (2015)" and "(Kingma and Ba, 2015)".

sphinxcontrib-bibtex's ``author_year`` reference style writes square brackets,
"Kingma and Ba [2015]". This registers ``author_year_round``, the same style with
round ones; ``_config.yml`` selects it with ``bibtex_reference_style: author_year_round``.
(This is the plugin mechanism sphinxcontrib-bibtex documents for custom styles.)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sphinxcontrib.bibtex.plugin
from sphinx.application import Sphinx
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    """``author_year`` with round brackets for every kind of citation."""

    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing",
    "author_year_round",
    RoundAuthorYearReferenceStyle,
)


def setup(app: Sphinx) -> dict[str, Any]:
    """Nothing to connect: importing the module registers the style."""
    return {"parallel_read_safe": True, "parallel_write_safe": True}
