"""Tests for optimizers.book.plotting: palette, style, background rendering, overlay SVG."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from optimizers.book import plotting
from optimizers.book.plotting import Arrow, Figure, Line, Points, Text, render_overlay

NAMES = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW", "NAdam", "Adadelta"]


class Bowl:
    """A stand-in landscape: only ``value`` on points of shape (..., 2)."""

    def value(self, points):
        p = np.asarray(points, dtype=float)
        return 0.5 * p[..., 0] ** 2 + 2.0 * p[..., 1] ** 2


@pytest.fixture(scope="module")
def background():
    fig = Figure(ncols=2, size=(400, 200), scale=1.0)
    ax = fig.panel(0, xlim=(-4, 4), ylim=(-2, 2), xlabel="x", ylabel="y", title="bowl")
    plotting.contour(ax, Bowl())
    fig.panel(1, xlim=(0, 10), ylim=(1e-3, 1e2), yscale="log", xlabel="step", ylabel="loss")
    return fig.render()


def coords(svg: str) -> np.ndarray:
    """All x,y pairs in the path data of an overlay."""
    pairs = re.findall(r"(-?[\d.]+),(-?[\d.]+)", " ".join(re.findall(r"d='([^']*)'", svg)))
    return np.array(pairs, dtype=float).reshape(-1, 2)


# -- palette and style --------------------------------------------------------


def test_palette_has_every_optimizer_with_distinct_colours():
    assert list(plotting.PALETTE) == NAMES
    values = list(plotting.PALETTE.values())
    assert len(set(values)) == len(values)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", v) for v in values)


def test_color_is_case_insensitive_and_names_unknown():
    assert plotting.color("adam") == plotting.color("Adam") == "#0072B2"
    with pytest.raises(KeyError, match="Adam"):
        plotting.color("Lion")


def test_style_is_opaque_and_restores_rcparams():
    before = matplotlib.rcParams.copy()
    with plotting.style():
        assert matplotlib.colors.to_rgba(matplotlib.rcParams["figure.facecolor"])[3] == 1
        assert matplotlib.rcParams["savefig.transparent"] is False
    assert matplotlib.rcParams.copy() == before


def test_import_has_no_global_side_effects():
    code = (
        # rcParams.copy(): dict(rcParams) would resolve the backend and import pyplot
        "import matplotlib; before = matplotlib.rcParams.copy(); "
        "import sys, optimizers.book.plotting, optimizers.book.explorable; "
        "assert matplotlib.rcParams.copy() == before; "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- background ---------------------------------------------------------------


def test_background_png_is_opaque_and_scaled():
    fig = Figure(size=(300, 200), scale=2.0)
    fig.panel(0, xlim=(0, 1), ylim=(0, 1))
    bg = fig.render()
    image = Image.open(io.BytesIO(bg.png))
    assert image.size == (600, 400)
    assert "transparency" not in image.info
    rgba = np.asarray(image.convert("RGBA"))
    assert (rgba[..., 3] == 255).all()
    assert tuple(rgba[0, 0, :3]) == (255, 255, 255)  # white, readable on a dark page
    assert (bg.width, bg.height) == (300, 200)
    assert bg.data_uri().startswith("data:image/png;base64,")


def test_panel_map_lands_on_matplotlib_pixels():
    """A red dot drawn by matplotlib and the overlay's pixel for it coincide."""
    fig = Figure(size=(320, 240), scale=2.0)
    ax = fig.panel(0, xlim=(-3, 5), ylim=(-1, 1))
    ax.plot([1.5], [0.25], "o", color="red", markersize=6)
    bg = fig.render()
    rgb = np.asarray(Image.open(io.BytesIO(bg.png)).convert("RGB")).astype(int)
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)
    rows, cols = np.nonzero(red)
    centre = np.array([cols.mean() + 0.5, rows.mean() + 0.5]) / 2.0  # PNG px -> CSS px
    assert np.allclose(bg.panels[0].to_pixels([1.5, 0.25])[0], centre, atol=0.5)


def test_panel_box_matches_limits(background):
    left, top, right, bottom = background.panels[0].box
    corners = background.panels[0].to_pixels([[-4, -2], [4, 2]])
    assert np.allclose(corners, [[left, bottom], [right, top]])
    assert 0 < left < right < background.width / 2 < background.panels[1].box[0]
    assert 0 < top < bottom < background.height


def test_log_axis_mapping(background):
    panel = background.panels[1]
    y = panel.to_pixels([[5, 1e-3], [5, 1e-1], [5, 1e2]])[:, 1]
    assert y[1] == pytest.approx(y[0] + (y[2] - y[0]) * 2 / 5)


def test_contour_accepts_any_object_with_value_and_log_levels():
    fig = Figure(size=(200, 150), scale=1.0)
    ax = fig.panel(0, xlim=(-2, 2), ylim=(-1, 3))
    cs = plotting.contour(ax, Bowl(), levels=8, spacing="log")
    gaps = np.diff(cs.levels)
    assert len(cs.levels) == 8
    assert np.allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])  # geometric above the minimum
    assert ax.get_xlim() == (-2, 2)  # drawing does not move the limits
    plotting.contour(ax, Bowl(), levels=[0.5, 1, 2])


def test_contour_tolerates_non_finite_values():
    class Spiky:
        def value(self, points):
            p = np.asarray(points)
            z = p[..., 0] ** 2 + p[..., 1] ** 2
            return np.where(p[..., 0] > 0.5, np.inf, np.where(p[..., 1] > 0.5, np.nan, z))

    fig = Figure(size=(200, 150), scale=1.0)
    ax = fig.panel(0, xlim=(-1, 1), ylim=(-1, 1))
    plotting.contour(ax, Spiky())
    fig.render()


def test_contour_rejects_wrong_shape_and_spacing():
    class Flat:
        def value(self, points):
            return np.zeros(3)

    fig = Figure(size=(200, 150), scale=1.0)
    ax = fig.panel(0, xlim=(-1, 1), ylim=(-1, 1))
    with pytest.raises(ValueError, match="shape"):
        plotting.contour(ax, Flat())
    with pytest.raises(ValueError, match="spacing"):
        plotting.contour(ax, Bowl(), spacing="cubic")


def test_static_figure_needs_alt_and_carries_it():
    fig = Figure(size=(200, 150), scale=1.0)
    fig.panel(0, xlim=(0, 1), ylim=(0, 1))
    with pytest.raises(ValueError, match="alt"):
        fig.image(alt=" ")
    bundle = fig.image(alt="an empty plot", caption="Figure 1")._repr_mimebundle_()
    assert 'alt="an empty plot"' in bundle["text/html"]
    assert "<figcaption>Figure 1</figcaption>" in bundle["text/html"]
    assert set(bundle) == {"text/html", "image/png", "text/plain"}


# -- overlays -----------------------------------------------------------------


def test_line_is_rounded_and_inside_the_box(background):
    svg = render_overlay([Line([[-3, -1], [0, 0], [3.3333, 1.1111]], color="#0072B2")], background)
    assert svg.startswith("<path d='M") and "stroke='#0072B2'" in svg
    xy = coords(svg)
    assert np.allclose(xy, np.round(xy, 1))
    assert np.allclose(
        xy, background.panels[0].to_pixels([[-3, -1], [0, 0], [3.3333, 1.1111]]), atol=0.051
    )


def test_nan_breaks_the_line(background):
    path = [[-3, -1], [-2, 0], [np.nan, 0], [1, 1], [2, 1.5]]
    svg = render_overlay([Line(path)], background)
    assert svg.count("M") == 2


def test_diverging_path_is_drawn_to_the_edge_of_the_axes(background):
    path = np.array([[0.0, 0.0], [1.0, 1.0], [-10.0, -10.0], [1e300, 1e300], [np.inf, 0.0]])
    svg = render_overlay([Line(path, marker=True)], background)
    left, top, right, bottom = background.panels[0].box
    xy = coords(svg)
    assert len(xy) > 0
    assert (xy[:, 0] >= left - 0.05).all() and (xy[:, 0] <= right + 0.05).all()
    assert (xy[:, 1] >= top - 0.05).all() and (xy[:, 1] <= bottom + 0.05).all()
    assert "nan" not in svg and "inf" not in svg and "e+" not in svg
    # the segment from (1, 1) towards (-10, -10) is drawn until it meets the box
    exit_point = background.panels[0].to_pixels([-2, -2])[0]
    assert np.isclose(xy, np.round(exit_point, 1), atol=0.051).all(axis=1).any()


def test_all_non_finite_or_outside_renders_nothing(background):
    items = [
        Line([[np.nan, np.nan], [np.inf, -np.inf]]),
        Line([[10, 10], [20, 10]], marker=True),
        Points([[np.nan, 0], [50, 0]]),
        Text(np.nan, 0, "x"),
        Arrow([np.inf, 0], [0, 0]),
    ]
    assert render_overlay(items, background) == ""


def test_points_text_and_arrow(background):
    svg = render_overlay(
        [
            Points([[0, 0], [9, 9]], color="#E69F00", label="minimum"),
            Text(0.02, 0.9, "f = <1> & 'q'", coords="axes", anchor="start"),
            Text(0, 0, "mid", anchor="middle", panel=0),
            Arrow([0, 0], [1, 1], color="#D55E00"),
            Line([[1, 1e-2], [9, 1e1]], panel=1),
        ],
        background,
    )
    assert svg.count("h0") == 2  # one dot (and its white ring); the other is outside
    assert "<title>minimum</title>" in svg
    assert "f = &lt;1&gt; &amp; &#x27;q&#x27;" in svg
    assert "text-anchor='middle'" in svg
    assert "Z' fill='#D55E00'" in svg


def test_overlay_rejects_unknown_panel_and_items(background):
    with pytest.raises(ValueError, match="panel 2"):
        render_overlay([Line([[0, 0], [1, 1]], panel=2)], background)
    with pytest.raises(TypeError, match="overlay items"):
        render_overlay(["<path/>"], background)  # type: ignore[list-item]


def test_overlay_is_deterministic(background):
    items = [Line(np.random.default_rng(0).normal(size=(50, 2)), marker=True)]
    assert render_overlay(items, background) == render_overlay(items, background)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        min_size=0,
        max_size=20,
    )
)
def test_any_path_renders_inside_the_box(path_background, points):
    xy = np.array(points, dtype=float).reshape(-1, 2)
    svg = render_overlay([Line(xy, marker=True), Points(xy)], path_background)
    left, top, right, bottom = path_background.panels[0].box
    c = coords(svg)
    assert np.isfinite(c).all()
    assert ((c[:, 0] >= left - 0.05) & (c[:, 0] <= right + 0.05)).all()
    assert ((c[:, 1] >= top - 0.05) & (c[:, 1] <= bottom + 0.05)).all()


@pytest.fixture(scope="module")
def path_background():
    fig = Figure(size=(200, 150), scale=1.0)
    fig.panel(0, xlim=(-1e3, 1e3), ylim=(-1, 1))
    return fig.render()
