"""Turn the chapters' plain-text citations into sphinxcontrib-bibtex roles.

    python scripts/add_citations.py chapters/adam.ipynb chapters/nesterov.ipynb
    python scripts/add_citations.py --dry-run chapters/*.ipynb

Only markdown cells change, and only text outside code spans, code blocks and math.
Each row of ``TABLE`` names a notebook, an exact phrase as the chapter writes it today
(any run of whitespace in the phrase also matches a line break, so a phrase may wrap)
and the text with the role that replaces it. Each row replaces the phrase's FIRST
occurrence in the notebook (later mentions stay plain text, as in print). A row whose
replacement is already in the notebook is skipped, so running the script twice changes
nothing the second time. Every key must be in ``references.bib``.

The script prints every change (notebook, cell, old -> new) and every row whose phrase
it did not find (a chapter may have been reworded: fix the row, or cite by hand). Exit
status 1 if a row names a key missing from references.bib.

Roles (sphinxcontrib-bibtex, ``bibtex_reference_style: author_year_round``):
``{cite:t}`k``` "Kingma and Ba (2015)", ``{cite:p}`k``` "(Kingma and Ba, 2015)",
``{cite:alp}`k``` "Kingma and Ba, 2015" (inside parentheses already open),
``{cite:yearpar}`k``` "(2015)" (after a name already in the text),
``{cite:p}`k{lecture 6e}``` "(Tieleman and Hinton, 2012, lecture 6e)".
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"


@dataclass(frozen=True)
class Row:
    notebook: str  # file stem under chapters/, e.g. "adam"
    phrase: str  # exact text in the chapter today
    replacement: str  # the same text with a citation role


TABLE: tuple[Row, ...] = (
    # gradient-descent
    Row(
        "gradient-descent",
        "from *Deep Learning from Scratch*,",
        "from *Deep Learning from Scratch* {cite:p}`saito2016deep`,",
    ),
    # sgd
    Row(
        "sgd",
        "McCandlish et al. (2018, *An empirical model of large-batch training*)",
        "{cite:t}`mccandlish2018empirical`",
    ),
    Row(
        "sgd",
        "Smith et al. (2018, *Don't decay the learning rate, increase the batch size*)",
        "{cite:t}`smith2018dont`",
    ),
    Row(
        "sgd",
        "(Bengio 2012, *Practical recommendations for gradient-based training of deep "
        "architectures*, suggests 32 as a default)",
        "({cite:t}`bengio2012practical` suggests 32 as a default)",
    ),
    Row(
        "sgd",
        "(Sebastian Raschka, 2022, *No, we don't have to choose batch sizes as powers of 2*)",
        "{cite:p}`raschka2022batch`",
    ),
    Row(
        "sgd",
        "(Goyal et al. 2017, *Accurate, large minibatch SGD*, scale it",
        "({cite:t}`goyal2017accurate` scale it",
    ),
    Row(
        "sgd",
        "Keskar et al. (2017, *On large-batch training for deep learning*)",
        "{cite:t}`keskar2017large`",
    ),
    Row(
        "sgd",
        "Shallue et al. (2019, *Measuring the effects of data parallelism on neural network "
        "training*)",
        "{cite:t}`shallue2019measuring`",
    ),
    Row(
        "sgd",
        "Dinh et al. (2017, *Sharp minima can generalize for deep nets*)",
        "{cite:t}`dinh2017sharp`",
    ),
    # momentum
    Row(
        "momentum",
        "Boris Polyak's *heavy-ball method* (1964)",
        "Boris Polyak's *heavy-ball method* {cite:yearpar}`polyak1964some`",
    ),
    Row("momentum", "Sutskever et al. (2013)", "{cite:t}`sutskever2013importance`"),
    Row("momentum", "due to Polyak,", "due to {cite:t}`polyak1964some`,"),
    # nesterov
    Row(
        "nesterov",
        "Yurii Nesterov's method (1983)",
        "Yurii Nesterov's method {cite:yearpar}`nesterov1983method`",
    ),
    Row(
        "nesterov",
        "Sutskever, Martens, Dahl and Hinton (2013)",
        "{cite:t}`sutskever2013importance`",
    ),
    Row("nesterov", "Lessard, Recht and Packard 2016)", "{cite:alp}`lessard2016analysis`)"),
    # adagrad
    Row(
        "adagrad",
        "(Duchi, Hazan and Singer, *Adaptive Subgradient Methods for Online Learning and "
        "Stochastic Optimization*, JMLR 2011)",
        "{cite:p}`duchi2011adaptive`",
    ),
    Row("adagrad", "Duchi, Hazan and Singer prove", "{cite:t}`duchi2011adaptive` prove"),
    # rmsprop
    Row(
        "rmsprop",
        "course *Neural Networks for Machine Learning*,",
        "course *Neural Networks for Machine Learning* {cite:p}`tieleman2012rmsprop`,",
    ),
    Row(
        "rmsprop",
        "(Tieleman and Hinton, 2012, lecture 6e)",
        "{cite:p}`tieleman2012rmsprop{lecture 6e}`",
    ),
    # adam
    Row("adam", "(Kingma and Ba, 2015)", "{cite:p}`kingma2015adam`"),
    Row(
        "adam",
        "Kingma and Ba make the same point",
        "{cite:t}`kingma2015adam` make the same point",
    ),
    Row("adam", "Kingma and Ba recommend", "{cite:t}`kingma2015adam` recommend"),
    Row("adam", "Loshchilov and Hutter (2019)", "{cite:t}`loshchilov2019decoupled`"),
    Row("adam", "Reddi, Kale and Kumar (2018)", "{cite:t}`reddi2018convergence`"),
    Row("adam", "Dozat (2016)", "{cite:t}`dozat2016incorporating`"),
    # lr-decay
    Row("lr-decay", "Robbins and Monro (1951)", "{cite:t}`robbins1951stochastic`"),
    # saddle-points
    Row(
        "saddle-points",
        "Dauphin et al. (2014, *Identifying and attacking the saddle point problem in "
        "high-dimensional non-convex optimization*)",
        "{cite:t}`dauphin2014identifying`",
    ),
    Row("saddle-points", "(Dean and Majumdar, 2006,", "({cite:alp}`dean2006large`"),
    Row(
        "saddle-points",
        "(LeCun et al., *Efficient BackProp*, 1998)",
        "{cite:p}`lecun1998efficient`",
    ),
    # comparison
    Row(
        "comparison",
        "*Deep Learning from Scratch* (DLfS)",
        "*Deep Learning from Scratch* (DLfS, {cite:year}`saito2016deep`)",
    ),
)

# Text the script never touches: fenced code, inline code, display and inline math.
PROTECTED = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$", re.DOTALL)
KEY = re.compile(r"\{cite:[a-z]+\}`([^`{]+)")


def bib_keys(path: Path = BIB) -> set[str]:
    """The keys of the entries in a BibTeX file."""
    return set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf8"), re.M))


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase, with every run of whitespace matching any whitespace (line breaks too)."""
    return re.compile(r"\s+".join(re.escape(word) for word in phrase.split()))


def replace_first(text: str, pattern: re.Pattern[str], new: str) -> tuple[str, str | None]:
    """Replace the first match outside protected spans; return (text, matched text or None)."""
    position = 0
    for span in [*PROTECTED.finditer(text), None]:
        end = span.start() if span else len(text)
        match = pattern.search(text, position, end)
        if match:
            return text[: match.start()] + new + text[match.end() :], match.group(0)
        position = span.end() if span else len(text)
    return text, None


def cite(path: Path, rows: tuple[Row, ...] = TABLE, write: bool = True) -> list[str]:
    """Apply the rows for this notebook; return one line per change or missing phrase."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    report = []
    for row in (r for r in rows if r.notebook == path.stem):
        if any(row.replacement in c.source for c in cells):
            continue  # done on an earlier run
        pattern = phrase_pattern(row.phrase)
        for cell in cells:
            new_source, old = replace_first(cell.source, pattern, row.replacement)
            if old is not None:
                cell.source = new_source
                index = nb.cells.index(cell)
                report.append(
                    f"{path}: cell {index} (id {cell.get('id')}): {old!r} -> {row.replacement!r}"
                )
                break
        else:
            report.append(f"{path}: NOT FOUND (left as is): {row.phrase!r}")
    if write and any("->" in line for line in report):
        nbformat.write(nb, path)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)

    missing = sorted({k for r in TABLE for k in KEY.findall(r.replacement)} - bib_keys())
    if missing:
        print(f"keys missing from {BIB.name}: {', '.join(missing)}", file=sys.stderr)
        return 1
    for path in args.notebooks:
        for line in cite(path, write=not args.dry_run) or [f"{path}: nothing to change"]:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
