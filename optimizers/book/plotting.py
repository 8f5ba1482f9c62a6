"""Figures for the book: one look for every chapter, and SVG overlays for explorables.

Static figures: draw with matplotlib inside :func:`style` (opaque white background,
readable on the site's dark theme) and use :data:`PALETTE` so an optimizer has the
same colour in every chapter.

Explorable figures (see :mod:`optimizers.book.explorable`) are split in two:

* a **background** that never changes (axes, ticks, labels, contour lines), drawn once
  by matplotlib into a :class:`Figure` and rendered to one opaque PNG, and
* a small **overlay** per slider setting: overlay items (:class:`Line`,
  :class:`Points`, :class:`Text`, :class:`Arrow`) in data coordinates, which
  :func:`render_overlay` turns into an SVG fragment in the pixel space of the PNG.

.. code-block:: python

    fig = Figure(size=(480, 320))
    ax = fig.panel(0, xlim=(-8, 8), ylim=(-3, 3), xlabel="x", ylabel="y")
    contour(ax, landscape)
    background = fig.render()
    overlay = render_overlay([Line(path, color=PALETTE["Adam"])], background)
    html = svg_document(background, overlay, alt="Adam's path on the bowl")

Nothing here touches pyplot or global matplotlib state: figures are
``matplotlib.figure.Figure`` objects with their own Agg canvas.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, get_args

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import NullFormatter
from matplotlib.transforms import Transform
from PIL import Image

from .._validate import check_choice, check_positive

Anchor = Literal["start", "middle", "end"]
Coords = Literal["data", "axes"]
Spacing = Literal["linear", "log"]

__all__ = [
    "PALETTE",
    "STYLE",
    "Arrow",
    "Background",
    "Figure",
    "Item",
    "Line",
    "PanelMap",
    "Points",
    "StaticFigure",
    "Text",
    "color",
    "contour",
    "plain_log_ticks",
    "render_overlay",
    "style",
    "svg_document",
]

# ---------------------------------------------------------------------------
# Colours and style
# ---------------------------------------------------------------------------

#: One colour per optimizer, the same in every chapter. Seven are the Okabe-Ito
#: colour-blind-safe palette (its yellow is left out: too pale on white); NAdam and
#: Adadelta take wine and olive from Paul Tol's colour-blind-safe "muted" scheme.
PALETTE: dict[str, str] = {
    "SGD": "#000000",  # black
    "Momentum": "#E69F00",  # orange
    "Nesterov": "#D55E00",  # vermillion
    "AdaGrad": "#009E73",  # bluish green
    "RMSprop": "#CC79A7",  # reddish purple
    "Adam": "#0072B2",  # blue
    "AdamW": "#56B4E9",  # sky blue
    "NAdam": "#882255",  # wine
    "Adadelta": "#999933",  # olive
}

#: Colour of landscape contour lines: light enough that paths stand out on top.
CONTOUR_COLOR = "#b3b3b3"


def color(name: str) -> str:
    """The book's colour for optimizer ``name`` (case-insensitive), e.g. ``color("adam")``.

    Raises KeyError listing the known names for an unknown one.
    """
    for key, value in PALETTE.items():
        if key.lower() == name.lower():
            return value
    raise KeyError(f"no colour for {name!r}; known: {', '.join(PALETTE)}")


#: The matplotlib rcParams of the book's figures (opaque white background, the palette
#: as colour cycle). Used by :func:`style` and :class:`Figure`.
STYLE: dict[Any, Any] = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.prop_cycle": cycler(
        color=[PALETTE[k] for k in ("Adam", "Momentum", "AdaGrad", "RMSprop", "Nesterov")]
        + ["#000000"]
    ),
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


def plain_log_ticks(axis: Any, ticks: Sequence[float]) -> None:
    """Label a log-scale ``axis`` (``ax.xaxis`` or ``ax.yaxis``) with plain numbers.

    Puts major ticks at ``ticks`` labelled ``0.01, 0.1, 1`` instead of matplotlib's
    powers of ten (which also take about 0.3 s per figure to typeset), and hides the
    minor labels.
    """
    axis.set_ticks(list(ticks), labels=[f"{tick:g}" for tick in ticks])
    axis.set_minor_formatter(NullFormatter())


@contextmanager
def style() -> Iterator[None]:
    """Context in which new matplotlib figures get the book's look (:data:`STYLE`).

    .. code-block:: python

        with plotting.style():
            fig, ax = plt.subplots()
            ax.plot(losses, color=plotting.color("Adam"))

    Settings apply to figures *created* inside the block and are undone on exit;
    importing this module changes nothing.
    """
    with matplotlib.rc_context(STYLE):
        yield


# ---------------------------------------------------------------------------
# Background figure
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PanelMap:
    """Where one matplotlib axes landed in the rendered PNG.

    ``box`` = (left, top, right, bottom) of the axes in CSS pixels of the figure
    (y grows downwards, as in SVG). :meth:`to_pixels` maps data to those pixels with the
    axes' own (frozen) matplotlib transform, so log scales work too.
    """

    transform: Transform
    box: tuple[float, float, float, float]
    scale_x: float  # PNG pixels per CSS pixel, across
    scale_y: float  # ... and down
    height: float

    def to_pixels(self, xy: Any) -> np.ndarray:
        """Data points, shape (n, 2) -> CSS pixels, shape (n, 2); non-finite in, non-finite out.

        Huge coordinates (a diverging path) may overflow to inf; that is not an error.
        """
        points = np.asarray(xy, dtype=float).reshape(-1, 2)
        with np.errstate(all="ignore"):
            display = self.transform.transform(points)
            out = np.empty_like(display)
            out[:, 0] = display[:, 0] / self.scale_x
            out[:, 1] = self.height - display[:, 1] / self.scale_y
        return out

    def axes_to_pixels(self, fx: float, fy: float) -> tuple[float, float]:
        """Axes fractions (0, 0) = bottom left, (1, 1) = top right -> CSS pixels."""
        left, top, right, bottom = self.box
        return left + fx * (right - left), bottom - fy * (bottom - top)


@dataclass(frozen=True, eq=False)
class Background:
    """A rendered figure: opaque PNG plus a :class:`PanelMap` per panel.

    ``width`` x ``height`` is the size in CSS pixels; the PNG has ``scale`` times as many
    pixels per side so it stays sharp on high-density screens.
    """

    png: bytes
    width: int
    height: int
    panels: tuple[PanelMap, ...]

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI (the page needs no extra file)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


class Figure:
    """A matplotlib figure of ``nrows`` x ``ncols`` panels, ``size`` = (width, height) CSS px.

    Draw on the matplotlib axes from :meth:`panel` (contours, labels, legends: all
    that stays fixed), then :meth:`render` once. ``scale`` is the PNG's pixels per
    CSS pixel (2 is sharp on phones and retina screens). Never uses pyplot.
    """

    def __init__(
        self,
        ncols: int = 1,
        nrows: int = 1,
        size: tuple[int, int] = (480, 320),
        scale: float = 2.0,
    ) -> None:
        width, height = size
        check_positive("size (width)", width)
        check_positive("size (height)", height)
        check_positive("scale", scale)
        self.size = (int(width), int(height))
        self.scale = float(scale)
        # rcParams are read when artists are created, so the whole figure (axes,
        # ticks, labels) is made inside the style context.
        with style():
            self.mpl = MplFigure(
                figsize=(width / 100, height / 100), dpi=100 * scale, layout="constrained"
            )
            self._canvas = FigureCanvasAgg(self.mpl)
            self.axes: list[Axes] = list(self.mpl.subplots(nrows, ncols, squeeze=False).ravel())

    def panel(
        self,
        index: int = 0,
        *,
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        xlabel: str = "",
        ylabel: str = "",
        title: str = "",
        xscale: str = "linear",
        yscale: str = "linear",
        equal: bool = False,
    ) -> Axes:
        """Set up panel ``index`` (row-major) and return its matplotlib Axes.

        The limits are fixed (autoscaling off), so overlays and later drawing
        cannot move them. ``equal=True`` makes one unit the same length on both axes.
        """
        ax = self.axes[index]
        with style():
            ax.set_xscale(xscale)
            ax.set_yscale(yscale)
            ax.set_xlim(xlim)
            ax.set_ylim(ylim)
            ax.set_autoscale_on(False)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            if equal:
                ax.set_aspect("equal", adjustable="box")
        return ax

    def render(self) -> Background:
        """Draw the figure once and return its PNG and data->pixel maps.

        The PNG is opaque (white where nothing is drawn) and palette-quantised
        (256 colours), about 2.5x smaller than full RGB for line drawings.
        """
        canvas = self._canvas
        canvas.draw()  # one draw: the PNG and the transforms come from the same layout
        rgba = np.asarray(canvas.buffer_rgba())
        image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))  # drop alpha: opaque
        image = image.quantize(256, dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        image.save(buffer, format="png", optimize=True)

        width, height = self.size
        # the exact ratios of the raster (figsize * dpi may round by a pixel)
        sx, sy = rgba.shape[1] / width, rgba.shape[0] / height
        panels = []
        for ax in self.axes:
            x0, y0, x1, y1 = ax.bbox.extents
            box = (x0 / sx, height - y1 / sy, x1 / sx, height - y0 / sy)
            transform = cast(Transform, ax.transData.frozen())
            panels.append(PanelMap(transform, box, sx, sy, float(height)))
        return Background(buffer.getvalue(), width, height, tuple(panels))

    def image(self, alt: str, caption: str = "") -> StaticFigure:
        """This figure as a static image with alt text, for figures without sliders."""
        return StaticFigure(self.render(), alt=alt, caption=caption)


class StaticFigure:
    """A rendered :class:`Figure` that displays as ``<img alt=...>`` (plus image/png).

    Made by :meth:`Figure.image`; ``alt`` must be non-empty.
    """

    def __init__(self, background: Background, *, alt: str, caption: str = "") -> None:
        self.background = background
        self.alt = _require_text("alt", alt)
        self.caption = caption

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bg = self.background
        img = (
            f'<img src="{bg.data_uri()}" alt="{html.escape(self.alt)}" width="{bg.width}" '
            f'height="{bg.height}" style="max-width:100%;height:auto">'
        )
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return {
            "text/html": f'<figure style="margin:1em 0">{img}{caption}</figure>',
            "image/png": base64.b64encode(bg.png).decode("ascii"),
            "text/plain": f"<figure: {self.alt}>",
        }


def _require_text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"{name} must be a non-empty string (it is the figure's text "
            f"for screen readers), got {value!r}"
        )
    return value


# ---------------------------------------------------------------------------
# Landscapes
# ---------------------------------------------------------------------------


class HasValue(Protocol):
    def value(self, points: Any) -> Any: ...


def contour(
    ax: Axes,
    landscape: HasValue,
    levels: int | Sequence[float] = 15,
    *,
    spacing: Spacing = "linear",
    resolution: int = 200,
    colors: str = CONTOUR_COLOR,
    linewidths: float = 0.8,
) -> Any:
    """Draw contour lines of ``landscape`` over the current limits of ``ax``.

    ``landscape.value(points)`` takes points of shape (..., 2), last axis = (x, y), and
    returns shape (...). ``levels`` is a list of values, or a count spread evenly
    (``spacing="linear"``) or geometrically above the minimum seen on the grid
    (``spacing="log"``, for steep valleys such as Rosenbrock's). Non-finite values
    are left blank. Returns matplotlib's ContourSet.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        z = np.asarray(landscape.value(grid), dtype=float)
    if z.shape != grid.shape[:-1]:
        raise ValueError(f"landscape.value returned shape {z.shape}, expected {grid.shape[:-1]}")
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        raise ValueError("landscape has no finite values in the panel's limits")
    if isinstance(levels, int):
        lo, hi = float(finite.min()), float(finite.max())
        if hi <= lo:
            hi = lo + 1.0
        if spacing == "log":
            # levels at lo + d with d geometric from 1e-4 of the range up to the range
            levels = list(lo + np.geomspace((hi - lo) * 1e-4, hi - lo, levels))
        elif spacing == "linear":
            levels = list(np.linspace(lo, hi, levels + 2)[1:-1])  # skip the extremes
        else:
            check_choice("spacing", spacing, get_args(Spacing))
    return ax.contour(
        xs, ys, np.ma.masked_invalid(z), levels=levels, colors=colors, linewidths=linewidths
    )


# ---------------------------------------------------------------------------
# Overlay items (data coordinates) and their SVG
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Line:
    """A polyline through ``xy`` (shape (n, 2), data coordinates) on panel ``panel``.

    NaN/inf points break the line; parts outside the axes are clipped, so a diverging
    path is drawn up to where it leaves the axes. ``marker=True`` puts a dot on each
    visible vertex (each step of a path). ``dash`` is an SVG dash pattern such as
    ``"6 3"``; ``label`` becomes a hover tooltip.
    """

    xy: Any
    panel: int = 0
    color: str = "#000000"
    width: float = 2.0
    marker: bool = False
    marker_size: float = 5.0
    dash: str | None = None
    opacity: float = 1.0
    label: str | None = None


@dataclass(frozen=True, eq=False)
class Points:
    """Dots of diameter ``size`` px at ``xy`` (shape (n, 2)); those outside the axes or
    non-finite are skipped. ``outline`` draws a white ring so dots stand out on lines."""

    xy: Any
    panel: int = 0
    color: str = "#000000"
    size: float = 8.0
    outline: bool = True
    label: str | None = None


@dataclass(frozen=True, eq=False)
class Text:
    """Short text at (x, y), in data coordinates or, with ``coords="axes"``, in axes
    fractions ((0, 0) bottom left, (1, 1) top right). (x, y) is the left end
    (``anchor="start"``), the middle or the right end of the baseline. Text is drawn
    with a white halo; text whose anchor lies outside the axes or is non-finite is
    skipped."""

    x: float
    y: float
    text: str
    panel: int = 0
    color: str = "#000000"
    size: float = 12.0
    anchor: Anchor = "start"
    coords: Coords = "data"


@dataclass(frozen=True, eq=False)
class Arrow:
    """An arrow from ``start`` to ``end`` (data coordinates), e.g. a gradient or a step.

    The shaft is clipped to the axes; the head is drawn only when ``end`` is inside.
    """

    start: Any
    end: Any
    panel: int = 0
    color: str = "#000000"
    width: float = 1.5


Item = Line | Points | Text | Arrow


def _num(value: float) -> str:
    """A pixel coordinate rounded to 0.1 px, as short as possible: 12, 12.3, -0.5."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _attr(value: str) -> str:
    """Escape a value for a single-quoted attribute (overlays use ' to keep JSON small)."""
    return html.escape(value, quote=True)


def _clip_segments(points: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Clip the polyline ``points`` (n, 2) to ``box``; return the visible runs.

    Liang-Barsky clipping of every segment at once. A segment with a non-finite end is
    dropped (that is how NaN breaks a line); consecutive visible segments join into
    one run unless clipping cut between them.
    """
    left, top, right, bottom = box
    p0, p1 = points[:-1], points[1:]
    with np.errstate(all="ignore"):
        d = p1 - p0
        ok = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1) & np.isfinite(d).all(axis=1)
        t0 = np.zeros(len(d))
        t1 = np.ones(len(d))
        for p, q in (
            (-d[:, 0], p0[:, 0] - left),
            (d[:, 0], right - p0[:, 0]),
            (-d[:, 1], p0[:, 1] - top),
            (d[:, 1], bottom - p0[:, 1]),
        ):
            parallel = p == 0
            ok &= ~(parallel & (q < 0))  # parallel to this edge and outside it
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
            t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
        ok &= t0 <= t1
        a = p0 + t0[:, None] * d
        b = p0 + t1[:, None] * d
        ok &= np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    # clipping at 1e200 px loses precision: keep the ends on the box
    a[:, 0] = np.clip(a[:, 0], left, right)
    b[:, 0] = np.clip(b[:, 0], left, right)
    a[:, 1] = np.clip(a[:, 1], top, bottom)
    b[:, 1] = np.clip(b[:, 1], top, bottom)

    runs: list[np.ndarray] = []
    current: list[np.ndarray] = []
    previous = -2
    for i in np.flatnonzero(ok).tolist():
        joins = i == previous + 1 and t1[previous] == 1.0 and t0[i] == 0.0
        if not joins:
            if current:
                runs.append(np.array(current))
            current = [a[i]]
        current.append(b[i])
        previous = i
    if current:
        runs.append(np.array(current))
    return runs


def _path_data(runs: Iterable[np.ndarray]) -> str:
    """SVG path data 'M x,y x,y ...' per run, rounded to 0.1 px, repeats dropped."""
    parts = []
    for run in runs:
        q = np.round(run * 10) / 10
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = (q[1:] != q[:-1]).any(axis=1)
        q = q[keep]
        if len(q) < 2:
            continue
        parts.append("M" + " ".join(f"{_num(x)},{_num(y)}" for x, y in q))
    return "".join(parts)


def _inside(pixels: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    left, top, right, bottom = box
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(pixels).all(axis=1)
            & (pixels[:, 0] >= left)
            & (pixels[:, 0] <= right)
            & (pixels[:, 1] >= top)
            & (pixels[:, 1] <= bottom)
        )


def _dots(pixels: np.ndarray) -> str:
    """Path data drawing a dot at each point: zero-length segments with round caps."""
    q = np.round(pixels * 10) / 10
    return "".join(f"M{_num(x)},{_num(y)}h0" for x, y in q)


def _title(label: str | None) -> str:
    return f"<title>{html.escape(label)}</title>" if label else ""


def _line_svg(item: Line, panel: PanelMap) -> str:
    pixels = panel.to_pixels(item.xy)
    out = []
    d = _path_data(_clip_segments(pixels, panel.box))
    if d:
        extra = f" stroke-dasharray='{_attr(item.dash)}'" if item.dash else ""
        if item.opacity != 1:
            extra += f" opacity='{item.opacity:g}'"
        out.append(
            f"<path d='{d}' fill='none' stroke='{_attr(item.color)}' "
            f"stroke-width='{item.width:g}' stroke-linejoin='round'{extra}>"
            f"{_title(item.label)}</path>"
        )
    if item.marker:
        visible = pixels[_inside(pixels, panel.box)]
        if len(visible):
            out.append(
                f"<path d='{_dots(visible)}' stroke='{_attr(item.color)}' "
                f"stroke-width='{item.marker_size:g}' stroke-linecap='round'/>"
            )
    return "".join(out)


def _points_svg(item: Points, panel: PanelMap) -> str:
    pixels = panel.to_pixels(item.xy)
    visible = pixels[_inside(pixels, panel.box)]
    if not len(visible):
        return ""
    d = _dots(visible)
    ring = (
        f"<path d='{d}' stroke='#fff' stroke-width='{item.size + 3:g}' stroke-linecap='round'/>"
        if item.outline
        else ""
    )
    return (
        f"{ring}<path d='{d}' stroke='{_attr(item.color)}' stroke-width='{item.size:g}' "
        f"stroke-linecap='round'>{_title(item.label)}</path>"
    )


def _text_svg(item: Text, panel: PanelMap) -> str:
    if item.coords == "axes":
        x, y = panel.axes_to_pixels(float(item.x), float(item.y))
        pixel = np.array([[x, y]])
    elif item.coords == "data":
        pixel = panel.to_pixels([item.x, item.y])
    else:
        check_choice("Text coords", item.coords, get_args(Coords))
    check_choice("Text anchor", item.anchor, get_args(Anchor))
    if not _inside(pixel, panel.box)[0]:
        return ""
    x, y = pixel[0]
    anchor = "" if item.anchor == "start" else f" text-anchor='{item.anchor}'"
    return (
        f"<text x='{_num(x)}' y='{_num(y)}' font-size='{item.size:g}' fill='{_attr(item.color)}'"
        f"{anchor} stroke='#fff' stroke-width='3' paint-order='stroke'>"
        f"{html.escape(item.text)}</text>"
    )


def _arrow_svg(item: Arrow, panel: PanelMap) -> str:
    pixels = panel.to_pixels(np.array([item.start, item.end], dtype=float))
    shaft = _clip_segments(pixels, panel.box)
    if not shaft:
        return ""
    colour = _attr(item.color)
    out = f"<path d='{_path_data(shaft)}' stroke='{colour}' stroke-width='{item.width:g}'/>"
    if _inside(pixels[1:], panel.box)[0]:
        direction = pixels[1] - pixels[0]
        length = float(np.hypot(*direction))
        if length > 0:
            u = direction / length
            n = np.array([-u[1], u[0]])
            head = min(4 * item.width + 4, 0.6 * length)
            base = pixels[1] - head * u
            corners = (pixels[1], base + 0.45 * head * n, base - 0.45 * head * n)
            d = "M" + " ".join(f"{_num(x)},{_num(y)}" for x, y in corners) + "Z"
            out += f"<path d='{d}' fill='{colour}'/>"
    return out


def render_overlay(items: Iterable[Item], background: Background) -> str:
    """The SVG fragment for ``items``, in the CSS-pixel space of ``background``.

    Deterministic: the same items give the same string, which is what makes the live
    widget and the static player show identical frames. Attributes use single quotes
    so the fragment embeds in JSON without escaping.
    """
    out = []
    for item in items:
        if not isinstance(item, Line | Points | Text | Arrow):
            raise TypeError(
                f"overlay items must be Line, Points, Text or Arrow, got {type(item).__name__}"
            )
        if not 0 <= item.panel < len(background.panels):
            raise ValueError(
                f"panel {item.panel} does not exist (the figure has "
                f"{len(background.panels)} panel(s))"
            )
        panel = background.panels[item.panel]
        if isinstance(item, Line):
            out.append(_line_svg(item, panel))
        elif isinstance(item, Points):
            out.append(_points_svg(item, panel))
        elif isinstance(item, Text):
            out.append(_text_svg(item, panel))
        else:
            out.append(_arrow_svg(item, panel))
    return "".join(out)


def svg_document(background: Background, overlay: str, alt: str) -> str:
    """The ``<svg>`` of a figure: the background image with ``overlay`` on top.

    Both the live widget and the static player use exactly this markup; the overlay
    sits in ``<g class='optx-overlay'>``, which the player's script refills.
    ``role="img"`` and ``aria-label`` give screen readers ``alt``.
    """
    w, h = background.width, background.height
    return (
        f"<svg viewBox='0 0 {w} {h}' width='{w}' height='{h}' role='img' "
        f"aria-label='{_attr(_require_text('alt', alt))}' "
        f"style='display:block;width:100%;max-width:{w}px;height:auto;background:#fff'>"
        f"<image href='{background.data_uri()}' width='{w}' height='{h}' "
        f"preserveAspectRatio='none'/>"
        f"<g class='optx-overlay' font-family='DejaVu Sans,Verdana,sans-serif'>{overlay}</g>"
        f"</svg>"
    )
