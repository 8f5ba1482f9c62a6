"""Page weight of one explorable figure three ways: the book's player, plotly, Altair.

    python benchmarks/bench_player_weight.py           # the book's player
    /path/to/other/python benchmarks/bench_player_weight.py --others   # + plotly, Altair

The figure is the gradient-descent chapter's first one: contour lines of the bowl
x²/20 + y², and the 30-step path from (−7, 2) for 13 learning rates chosen by a slider.
Each tool gets the same data: the same contour grid (120 x 80) and the same 13 paths.
What a reader's browser must download for the figure to work offline is counted:
the figure's HTML, and the tool's JavaScript when it must be inlined (plotly.js;
Vega, Vega-Lite and vega-embed) because no CDN may be used. plotly and Altair are not
dependencies of the book; run `--others` in an environment that has them
(`pip install plotly altair vl-convert-python numpy`) and the package on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import io

import numpy as np

import optimizers as opt

RATES = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0, 1.01, 1.05]
START = np.array([-7.0, 2.0])


def paths() -> dict[float, np.ndarray]:
    bowl = opt.elongated_bowl()
    return {lr: opt.run(opt.SGD(lr), bowl, START, 30, warn=False) for lr in RATES}


def grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys = np.linspace(-8, 8, 120), np.linspace(-3, 3, 80)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, opt.elongated_bowl().value(np.stack([X, Y], axis=-1))


def book_player() -> int:
    from optimizers.book import Explorable, Slider, plotting

    bowl = opt.elongated_bowl()
    fig = plotting.Figure(size=(480, 320))
    ax = fig.panel(0, xlim=(-8, 8), ylim=(-3, 3), xlabel="x", ylabel="y")
    plotting.contour(ax, bowl)
    runs = paths()

    def frame(lr: float) -> list[plotting.Item]:
        return [plotting.Line(runs[lr], color=plotting.color("SGD"), marker=True)]

    explorable = Explorable(
        fig, frame, [Slider("lr", "learning rate η", RATES, default=0.1)], alt="GD paths"
    )
    return len(explorable.html().encode())


def plotly_frames() -> tuple[int, int]:
    import plotly
    import plotly.graph_objects as go

    xs, ys, z = grid()
    runs = paths()
    contour = go.Contour(x=xs, y=ys, z=z, contours_coloring="lines", showscale=False)
    traces = {lr: go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers") for lr, p in runs.items()}
    figure = go.Figure(
        data=[contour, traces[0.1]],
        # each frame replaces only the path (trace 1): the contour is sent once
        frames=[go.Frame(data=[traces[lr]], traces=[1], name=str(lr)) for lr in RATES],
        layout=go.Layout(
            sliders=[
                {
                    "steps": [
                        {
                            "args": [[str(lr)], {"mode": "immediate"}],
                            "label": str(lr),
                            "method": "animate",
                        }
                        for lr in RATES
                    ]
                }
            ]
        ),
    )
    inline, cdn = io.StringIO(), io.StringIO()
    figure.write_html(inline, include_plotlyjs=True, full_html=False)
    figure.write_html(cdn, include_plotlyjs=False, full_html=False)
    print(f"  (plotly {plotly.__version__})")
    return len(inline.getvalue().encode()), len(cdn.getvalue().encode())


def altair_parameters() -> tuple[int, int]:
    import altair as alt
    import pandas as pd

    xs, ys, z = grid()
    rows = [
        {"lr": lr, "k": k, "x": float(x), "y": float(y)}
        for lr, p in paths().items()
        for k, (x, y) in enumerate(p)
        if np.isfinite(x)
    ]
    X, Y = np.meshgrid(xs, ys)
    field = pd.DataFrame({"x": X.ravel(), "y": Y.ravel(), "f": z.ravel()})
    slider = alt.binding_range(min=0, max=len(RATES) - 1, step=1, name="learning rate index ")
    index = alt.param(value=2, bind=slider)
    table = pd.DataFrame(rows).assign(
        i=lambda d: d["lr"].map({lr: i for i, lr in enumerate(RATES)})
    )
    background = alt.Chart(field).mark_rect().encode(x="x:O", y="y:O", color="f:Q")
    path = (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(x="x:Q", y="y:Q", order="k:Q")
        .add_params(index)
        .transform_filter(alt.datum.i == index)
    )
    chart = background + path
    inline, cdn = io.StringIO(), io.StringIO()
    chart.save(inline, format="html", inline=True)
    chart.save(cdn, format="html")
    print(f"  (altair {alt.__version__})")
    return len(inline.getvalue().encode()), len(cdn.getvalue().encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", action="store_true", help="also plotly and Altair")
    args = parser.parse_args()
    print("one figure, 13 slider positions, what the page must carry to work offline:")
    ours = book_player() / 1e3
    print(f"  the book's player (background PNG + 13 SVG overlays + script): {ours:.1f} kB")
    if args.others:
        inline, bare = plotly_frames()
        print(f"  plotly frames, plotly.js inlined: {inline / 1e6:.2f} MB")
        print(f"    (without plotly.js {bare / 1e3:.0f} kB)")
        inline, bare = altair_parameters()
        print(f"  Altair parameter, Vega inlined:   {inline / 1e6:.2f} MB")
        print(f"    (without Vega {bare / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
