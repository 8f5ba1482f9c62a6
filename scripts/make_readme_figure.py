"""Draw the picture at the top of README.md: docs/images/overview.png.

    python scripts/make_readme_figure.py

Gradient descent on the elongated bowl x²/20 + y² from (−7, 2) with the four
learning rates of the first chapter: too small, good, oscillating, diverging.
"""

from __future__ import annotations

from pathlib import Path

import optimizers as opt
from optimizers.book import plotting

OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "overview.png"
RATES = {0.1: "too small", 0.5: "good", 0.95: "oscillating", 1.05: "diverging"}


def main() -> None:
    bowl = opt.elongated_bowl()
    fig = plotting.Figure(ncols=4, size=(1200, 230), scale=1.5)
    for i, (lr, regime) in enumerate(RATES.items()):
        ax = fig.panel(i, xlim=(-8, 8), ylim=(-4, 4), title=f"η = {lr}: {regime}", equal=True)
        plotting.contour(ax, bowl, levels=[0.1, 0.5, 1, 2, 4, 6.45, 10, 16])
        path = opt.run(opt.SGD(lr), bowl, [-7.0, 2.0], 30, warn=False)
        ax.plot(path[:, 0], path[:, 1], "o-", color=plotting.color("SGD"), markersize=3)
        ax.plot([0], [0], marker="*", color="black", markersize=10)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(fig.render().png)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
