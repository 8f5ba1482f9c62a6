"""Slider-driven figures that are live in Jupyter and still work on the static site.

An :class:`Explorable` is one display object with two representations:

* ``application/vnd.jupyter.widget-view+json``: ipywidgets sliders and an
  ``ipywidgets.HTML`` figure, redrawn by the kernel on every slider move
  (JupyterLab, Binder, Colab);
* ``text/html``: a self-contained player with every frame precomputed, switched by a
  few lines of inline JavaScript (the book's site, which has no kernel).

Both draw the same background PNG and the same overlay strings from the same
Python function, so they cannot disagree.

.. code-block:: python

    import optimizers as opt
    from optimizers.book import plotting
    from optimizers.book import Explorable, Slider

    bowl = opt.elongated_bowl()
    fig = plotting.Figure(size=(480, 320))
    ax = fig.panel(0, xlim=(-8, 8), ylim=(-3, 3), xlabel="x", ylabel="y")
    plotting.contour(ax, bowl)

    def frame(lr):
        path = opt.run(opt.SGD(lr=lr), bowl, x0=[-7.0, 2.0], steps=30, warn=False)
        return [plotting.Line(path, color=plotting.color("SGD"), marker=True),
                plotting.Text(0.02, 0.92, f"f = {bowl.value(path[-1]):.3g}", coords="axes")]

    Explorable(fig, frame, [Slider("lr", "learning rate", [0.01, 0.1, 0.5], default=0.1)],
               alt="Gradient descent paths on an elongated bowl for three learning rates")

The book's ``_config.yml`` must prefer text/html
(``nb_mime_priority_overrides: [["html", "text/html", 0]]``).
"""

from __future__ import annotations

import hashlib
import html
import inspect
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ipywidgets

from . import plotting
from .plotting import Background, Item, render_overlay, svg_document

__all__ = ["Explorable", "Slider", "Toggle"]

#: Refuse grids larger than this: every frame is shipped in the page.
MAX_FRAMES = 400

_counter = itertools.count()  # makes each player's id unique within a kernel session


def _format_value(value: Any) -> str:
    """Default label of a slider value: 0.1 -> '0.1', 1e-05 -> '1e-05', 3 -> '3'."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Slider:
    """A slider over the given ``values`` (at least one), labelled ``label``.

    ``name`` is the keyword under which the frame function receives the value.
    ``default`` must be one of ``values`` (the first if omitted). ``format`` turns a
    value into the text shown next to the slider (default: ``f"{v:g}"`` for floats).
    """

    name: str
    label: str
    values: Sequence[Any]
    default: Any = None
    format: Callable[[Any], str] = _format_value
    labels: tuple[str, ...] = field(init=False)
    default_index: int = field(init=False)

    def __post_init__(self) -> None:
        _check_name_and_label(self.name, self.label)
        values = tuple(self.values)
        if not values:
            raise ValueError(f"values of slider {self.name!r} must not be empty")
        labels = tuple(self.format(v) for v in values)
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"values of slider {self.name!r} must have distinct labels, got {list(labels)}"
            )
        default = values[0] if self.default is None else self.default
        matches = [i for i, v in enumerate(values) if v == default]
        if not matches:
            raise ValueError(
                f"default of slider {self.name!r} must be one of its values "
                f"{list(labels)}, got {default!r}"
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "default_index", matches[0])


@dataclass(frozen=True)
class Toggle:
    """A checkbox for a boolean, e.g. ``Toggle("bias_correction", "bias correction", True)``.

    The frame function receives ``False`` or ``True`` under ``name``.
    """

    name: str
    label: str
    default: bool = False
    values: tuple[bool, bool] = field(init=False, default=(False, True))
    labels: tuple[str, str] = field(init=False, default=("off", "on"))
    default_index: int = field(init=False)

    def __post_init__(self) -> None:
        _check_name_and_label(self.name, self.label)
        if not isinstance(self.default, bool):
            raise ValueError(f"default of toggle {self.name!r} must be True or False")
        object.__setattr__(self, "default_index", int(self.default))


Control = Slider | Toggle


def _check_name_and_label(name: str, label: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier (a keyword argument), got {name!r}")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"label of {name!r} must be a non-empty string")


class Explorable:
    """A figure whose overlay follows sliders, live in Jupyter and static on the site.

    ``figure`` is a :class:`optimizers.book.plotting.Figure` with its fixed drawing done;
    it is rendered once, here. ``frame(**values)`` gets one value per control, by
    name, and returns the overlay items (:class:`~optimizers.book.plotting.Line`, ...) for
    that setting; it must be deterministic. ``alt`` (required) describes the figure
    for screen readers, ``caption`` is shown under it.

    ``sliders`` lists the controls: :class:`Slider` and :class:`Toggle`, shown in
    that order. The static player holds one frame per point of their grid (row-major
    in that order), at most ``max_frames``; all are computed when the
    object is first displayed, so keep grids small (frame cost x grid size).
    """

    def __init__(
        self,
        figure: plotting.Figure,
        frame: Callable[..., Iterable[Item]],
        sliders: Sequence[Control] = (),
        *,
        alt: str,
        caption: str = "",
        max_frames: int = MAX_FRAMES,
    ) -> None:
        # validate everything cheap before the (slow) rendering
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError(f"alt must be a non-empty string describing the figure, got {alt!r}")
        if not isinstance(caption, str):
            raise ValueError(f"caption must be a string, got {caption!r}")
        controls = tuple(sliders)
        for control in controls:
            if not isinstance(control, Slider | Toggle):
                raise TypeError(f"sliders must be Slider or Toggle objects, got {control!r}")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"slider names must be distinct, got {names}")
        self.sizes = tuple(len(c.values) for c in controls)
        self.n_frames = 1
        for size in self.sizes:
            self.n_frames *= size
        if self.n_frames > max_frames:
            raise ValueError(
                f"{self.n_frames} frames (grid {' x '.join(map(str, self.sizes))}) exceed "
                f"max_frames={max_frames}; use fewer slider values"
            )
        if not callable(frame):
            raise TypeError("frame must be a function returning overlay items")
        _check_signature(frame, names)
        self.frame = frame
        self.controls = controls
        self.alt = alt
        self.caption = caption
        self.background: Background = figure.render()
        self._frames: list[str] | None = None
        self._widget: ipywidgets.VBox | None = None
        self._figure_html: ipywidgets.HTML | None = None

    # -- frames ------------------------------------------------------------

    def overlay(self, **values: Any) -> str:
        """The overlay SVG fragment for one setting (one value per control name)."""
        items = self.frame(**values)
        if isinstance(items, plotting.Line | plotting.Points | plotting.Text | plotting.Arrow):
            items = [items]
        return render_overlay(items, self.background)

    def settings(self) -> list[dict[str, Any]]:
        """Every setting of the controls, in frame order (row-major)."""
        grids = itertools.product(*(c.values for c in self.controls))
        return [dict(zip((c.name for c in self.controls), combo, strict=True)) for combo in grids]

    def frames(self) -> list[str]:
        """All overlay fragments, in :meth:`settings` order (computed once, then cached)."""
        if self._frames is None:
            self._frames = [self.overlay(**setting) for setting in self.settings()]
        return self._frames

    def default_index(self) -> int:
        """Index in :meth:`frames` of the controls' defaults."""
        index = 0
        for control, size in zip(self.controls, self.sizes, strict=True):
            index = index * size + control.default_index
        return index

    def svg(self, overlay: str) -> str:
        """The figure's ``<svg>`` with ``overlay``: the markup both views show."""
        return svg_document(self.background, overlay, self.alt)

    # -- static player -----------------------------------------------------

    def html(self) -> str:
        """The self-contained static player (no external URL, inline script only).

        Each call gets a fresh element id, so one object displayed twice on a page
        still has two working players. Ids are deterministic within a session
        (content hash + counter), so rebuilding the book gives the same HTML.
        """
        frames = self.frames()
        default = self.default_index()
        digest = hashlib.sha1(
            "\0".join([self.alt, frames[default], str(self.sizes)]).encode()
        ).hexdigest()[:8]
        uid = f"optx-{digest}-{next(_counter)}"

        rows = []
        for i, control in enumerate(self.controls):
            cid = f"{uid}-c{i}"
            label = html.escape(control.label)
            text = html.escape(control.labels[control.default_index])
            if isinstance(control, Toggle):
                checked = " checked" if control.default else ""
                rows.append(
                    f'<div style="margin:.2em 0"><input type="checkbox" id="{cid}" '
                    f'data-optx{checked}> <label for="{cid}">{label}</label></div>'
                )
            else:
                rows.append(
                    f'<div style="display:flex;flex-wrap:wrap;align-items:center;gap:.6em;'
                    f'margin:.2em 0"><label for="{cid}" style="min-width:8em">{label}</label>'
                    f'<input type="range" id="{cid}" data-optx min="0" '
                    f'max="{len(control.values) - 1}" step="1" value="{control.default_index}" '
                    f'aria-valuetext="{text}" style="flex:1 1 10em;max-width:20em">'
                    f'<output id="{cid}-out" for="{cid}" style="min-width:4em;'
                    f'font-variant-numeric:tabular-nums">{text}</output></div>'
                )
        caption = (
            f'<figcaption style="font-size:.9em">{html.escape(self.caption)}</figcaption>'
            if self.caption
            else ""
        )
        data = {
            "frames": frames,
            "sizes": list(self.sizes),
            "labels": [list(c.labels) for c in self.controls],
        }
        return (
            f'<figure class="optx-explorable" id="{uid}" style="margin:1em 0;'
            f'max-width:{self.background.width}px">'
            f'<div class="optx-controls">{"".join(rows)}</div>'
            f"{self.svg(frames[default])}{caption}"
            f"<script>{_PLAYER_JS.replace('UID', json.dumps(uid))}"
            f"({_script_json(data)});</script></figure>"
        )

    # -- live widget -------------------------------------------------------

    @property
    def widget(self) -> ipywidgets.VBox:
        """The live widget, made once, with the controls above an ``ipywidgets.HTML`` figure."""
        if self._widget is None:
            inputs = [_make_input(c, self.background.width) for c in self.controls]
            defaults = {c.name: c.default for c in self.controls}
            figure = ipywidgets.HTML(value=self.svg(self.overlay(**defaults)))

            def redraw(_change: Any = None) -> None:
                values = {c.name: w.value for c, w in zip(self.controls, inputs, strict=True)}
                figure.value = self.svg(self.overlay(**values))

            for w in inputs:
                w.observe(redraw, names="value")
            children: list[ipywidgets.Widget] = [*inputs, figure]
            if self.caption:
                children.append(
                    ipywidgets.HTML(value=f"<small>{html.escape(self.caption)}</small>")
                )
            self._figure_html = figure
            self._widget = ipywidgets.VBox(children)
        return self._widget

    @property
    def live_html(self) -> ipywidgets.HTML:
        """The live widget's figure (its ``value`` is the current ``<svg>``)."""
        _ = self.widget
        assert self._figure_html is not None
        return self._figure_html

    @property
    def inputs(self) -> list[ipywidgets.Widget]:
        """The live widget's controls, in the order of ``sliders``."""
        return list(self.widget.children[: len(self.controls)])

    # -- display -----------------------------------------------------------

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.html()
        bundle["text/plain"] = f"<Explorable: {self.alt}>"
        return bundle

    def __repr__(self) -> str:
        names = ", ".join(f"{c.name}[{len(c.values)}]" for c in self.controls)
        return f"Explorable({names}; {self.n_frames} frames; alt={self.alt!r})"


def _check_signature(frame: Callable[..., Any], names: list[str]) -> None:
    """Fail early, naming the sliders, if ``frame`` cannot take them as keywords."""
    try:
        signature = inspect.signature(frame)
    except (TypeError, ValueError):  # some callables have no signature: find out later
        return
    try:
        signature.bind(**dict.fromkeys(names))
    except TypeError as error:
        raise TypeError(
            f"frame must accept the slider names {names} as keyword arguments: {error}"
        ) from None


def _make_input(control: Control, width: int) -> ipywidgets.Widget:
    """The ipywidgets control for ``control``: the same values and labels as the player."""
    if isinstance(control, Toggle):
        return ipywidgets.Checkbox(value=control.default, description=control.label, indent=False)
    return ipywidgets.SelectionSlider(
        options=list(zip(control.labels, control.values, strict=True)),
        value=control.default,
        description=control.label,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=ipywidgets.Layout(width="100%", max_width=f"{width}px"),
    )


def _script_json(data: Any) -> str:
    """JSON that is safe inside an inline <script> (no '</script' or '<!--' in it).

    Both escapes are valid JSON and valid JavaScript, so the text stays parseable.
    """
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


# The static player: player.js beside this file, read once at import; its header
# comment (lines starting with //) stays out of every page.
_PLAYER_JS = "\n".join(
    line
    for line in resources.files(__package__).joinpath("player.js").read_text("utf-8").splitlines()
    if not line.startswith("//")
).strip()
