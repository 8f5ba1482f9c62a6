"""Cost of an Explorable: build time, page bytes, time per live slider move.

Run from the repository root:

    python benchmarks/bench_widgets.py            # PNG at 2x (the default)
    python benchmarks/bench_widgets.py --scale 1

Two figures, each a 30-step path on the contour plot of the elongated bowl (480x320):

* ``1 x 20``: SGD, one learning-rate slider with 20 values;
* ``10 x 10``: Momentum, learning rate x beta, 100 frames.

"build" = Figure + contour + Explorable + the full display bundle (background PNG,
every frame, the static HTML and the live widget), i.e. what a notebook cell pays.
"html" = bytes of the text/html player (what the site page gets). "live state" = bytes
of the live figure's HTML value (stored again in the notebook's widget state).
"move" = median over all slider values of one live slider change (frame function,
overlay SVG, new HTML value; no front end attached). Budgets: move < 150 ms, page < 2.5 MB.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import optimizers as opt
from optimizers.book import Explorable, Slider, plotting

BOWL = opt.elongated_bowl()
X0 = [-7.0, 2.0]
STEPS = 30
MOVE_BUDGET_MS = 150.0
PAGE_BUDGET_BYTES = 2_500_000


def background(scale: float, title: str) -> plotting.Figure:
    fig = plotting.Figure(size=(480, 320), scale=scale)
    ax = fig.panel(0, xlim=(-8, 8), ylim=(-3, 3), xlabel="x", ylabel="y", title=title)
    plotting.contour(ax, BOWL, levels=15)
    ax.plot([0], [0], marker="*", color="black", markersize=10)  # the minimum, drawn once
    return fig


def items(path: np.ndarray, name: str) -> list[plotting.Item]:
    last = path[np.isfinite(path).all(axis=1)][-1]
    return [
        plotting.Line(path, color=plotting.color(name), marker=True, label=name),
        plotting.Points(path[:1], color=plotting.color(name)),
        plotting.Text(0.02, 0.92, f"f = {float(BOWL.value(last)):.3g}", coords="axes"),
    ]


def one_slider(scale: float) -> Explorable:
    def frame(lr: float) -> list[plotting.Item]:
        return items(opt.run(opt.SGD(lr=lr), BOWL, X0, steps=STEPS, warn=False), "SGD")

    lrs = [round(float(v), 4) for v in np.geomspace(0.01, 1.1, 20)]
    return Explorable(
        background(scale, "SGD"),
        frame,
        [Slider("lr", "learning rate", lrs, default=lrs[10])],
        alt="Gradient descent paths on an elongated bowl",
    )


def two_sliders(scale: float) -> Explorable:
    def frame(lr: float, beta: float) -> list[plotting.Item]:
        path = opt.run(opt.Momentum(lr=lr, beta=beta), BOWL, X0, steps=STEPS, warn=False)
        return items(path, "Momentum")

    lrs = [round(float(v), 4) for v in np.geomspace(0.01, 1.0, 10)]
    betas = [0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99]
    return Explorable(
        background(scale, "Momentum"),
        frame,
        [Slider("lr", "learning rate", lrs, default=lrs[5]), Slider("beta", "β", betas, 0.9)],
        alt="Momentum paths on an elongated bowl",
    )


def measure(name: str, make: Callable[[float], Explorable], scale: float) -> dict[str, float]:
    start = time.perf_counter()
    explorable = make(scale)
    bundle = explorable._repr_mimebundle_()
    build = time.perf_counter() - start

    moves = []
    for control, widget in zip(explorable.controls, explorable.inputs, strict=True):
        for value in control.values:
            t = time.perf_counter()
            widget.value = value
            moves.append(time.perf_counter() - t)
    frames = explorable.frames()
    result = {
        "frames": explorable.n_frames,
        "build_s": build,
        "html_bytes": len(bundle["text/html"].encode()),
        "png_bytes": len(explorable.background.png),
        "frame_bytes_mean": statistics.mean(len(f) for f in frames),
        "live_state_bytes": len(explorable.live_html.value.encode()),
        "move_ms_median": 1e3 * statistics.median(moves),
        "move_ms_max": 1e3 * max(moves),
    }
    print(
        f"{name:8} frames={result['frames']:4}  build={result['build_s']:.2f} s  "
        f"html={result['html_bytes'] / 1e3:.0f} kB (png {result['png_bytes'] / 1e3:.0f} kB, "
        f"{result['frame_bytes_mean']:.0f} B/frame)  "
        f"live state={result['live_state_bytes'] / 1e3:.0f} kB  "
        f"move median={result['move_ms_median']:.2f} ms (max {result['move_ms_max']:.2f})"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=2.0, help="PNG pixels per CSS pixel")
    args = parser.parse_args()
    results = [
        measure("1 x 20", one_slider, args.scale),
        measure("10 x 10", two_sliders, args.scale),
    ]
    ok = all(
        r["move_ms_median"] < MOVE_BUDGET_MS and r["html_bytes"] < PAGE_BUDGET_BYTES
        for r in results
    )
    print("within budget (move < 150 ms, page < 2.5 MB):", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
