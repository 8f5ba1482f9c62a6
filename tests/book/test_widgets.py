"""Tests for optimizers.book.explorable.Explorable: the live widget and the static player agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ipywidgets
import numpy as np
import pytest

from optimizers.book import Explorable, Slider, Toggle
from optimizers.book.explorable import MAX_FRAMES, plotting

WIDGET = "application/vnd.jupyter.widget-view+json"
LRS = [0.01, 0.1, 0.5, 0.95, 1.05, 3.0]


class Bowl:
    """f(x, y) = x²/2 + 2y², value and gradient only: independent of optimizers.landscapes."""

    def value(self, points):
        p = np.asarray(points, dtype=float)
        return 0.5 * p[..., 0] ** 2 + 2.0 * p[..., 1] ** 2

    def grad(self, p):
        return p * np.array([1.0, 4.0])


def descend(lr: float, steps: int = 30, momentum: float = 0.0) -> np.ndarray:
    """Heavy-ball gradient descent from (-3, 1); diverges for large lr (inf, then nan)."""
    x, v, path = np.array([-3.0, 1.0]), np.zeros(2), [np.array([-3.0, 1.0])]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            v = momentum * v + Bowl().grad(x)
            x = x - lr * v
            path.append(x)
    return np.array(path)


def frame(lr, momentum=0.0, labels=True):
    path = descend(lr, momentum=momentum)
    items = [plotting.Line(path, color=plotting.color("Momentum"), marker=True)]
    if labels:
        items.append(plotting.Text(0.02, 0.9, f"lr = {lr:g}", coords="axes"))
    return items


@pytest.fixture(scope="module")
def figure():
    fig = plotting.Figure(size=(320, 200), scale=1.0)
    ax = fig.panel(0, xlim=(-4, 4), ylim=(-2, 2), xlabel="x", ylabel="y")
    plotting.contour(ax, Bowl(), levels=6)
    return fig


@pytest.fixture
def one(figure):
    return Explorable(
        figure,
        frame,
        sliders=[Slider("lr", "learning rate", LRS, default=0.1)],
        alt="Gradient descent on a bowl",
        caption="Drag the learning rate.",
    )


@pytest.fixture
def two(figure):
    return Explorable(
        figure,
        frame,
        [
            Slider("lr", "learning rate", [0.05, 0.1, 0.2], default=0.2),
            Slider("momentum", "momentum β", [0.0, 0.5, 0.9, 0.99]),
            Toggle("labels", "show labels", default=True),
        ],
        alt="Heavy ball on a bowl",
    )


def player_data(page: str) -> dict:
    """The data object handed to the player's script (frames, sizes, labels)."""
    match = re.search(r"\}\)\((\{.*\})\);</script>", page, re.DOTALL)
    assert match, "no player data in the HTML"
    return json.loads(match.group(1))


def overlay_of(svg: str) -> str:
    """The overlay fragment inside a figure's <svg>."""
    match = re.search(r"<g class='optx-overlay'[^>]*>(.*)</g></svg>", svg, re.DOTALL)
    assert match
    return match.group(1)


# -- the display bundle ---------------------------------------------------------


def test_bundle_has_live_widget_and_static_html(one):
    bundle = one._repr_mimebundle_()
    assert {WIDGET, "text/html", "text/plain"} <= set(bundle)
    assert bundle[WIDGET]["model_id"] == one.widget.model_id
    assert bundle["text/html"].startswith('<figure class="optx-explorable"')
    assert "Gradient descent on a bowl" in bundle["text/plain"]


def test_number_of_frames_is_the_grid_size(one, two):
    assert len(player_data(one.html())["frames"]) == len(LRS) == one.n_frames
    data = player_data(two.html())
    assert data["sizes"] == [3, 4, 2]
    assert len(data["frames"]) == 3 * 4 * 2 == len(two.settings())


def test_static_default_frame_is_the_live_initial_overlay(one, two):
    for ex in (one, two):
        page = ex.html()
        data = player_data(page)
        shown = overlay_of(page)
        assert shown == data["frames"][ex.default_index()]
        assert shown == overlay_of(ex.live_html.value)
        assert shown  # not empty: the default path is drawn


def test_live_slider_gives_exactly_the_static_frame_for_each_value(one):
    frames = player_data(one.html())["frames"]
    (slider,) = one.inputs
    assert isinstance(slider, ipywidgets.SelectionSlider)
    for index, lr in enumerate(LRS):
        slider.value = lr
        assert overlay_of(one.live_html.value) == frames[index]
    assert len(set(frames)) == len(frames)  # the frames differ


def test_live_grid_is_row_major_like_the_player(two):
    frames = player_data(two.html())["frames"]
    lr, momentum, labels = two.inputs
    assert isinstance(labels, ipywidgets.Checkbox)
    for i, a in enumerate(lr.options):
        for j, b in enumerate(momentum.options):
            for k, c in enumerate([False, True]):
                lr.value, momentum.value, labels.value = a[1], b[1], c
                assert overlay_of(two.live_html.value) == frames[(i * 4 + j) * 2 + k]


def test_live_svg_is_the_static_svg(one):
    page = one.html()
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    assert svg == one.live_html.value


def test_extreme_values_render_without_errors(figure):
    ex = Explorable(
        figure, frame, [Slider("lr", "lr", [0.0, 1e-12, 10.0, 1e6, 1e300])], alt="extremes"
    )
    frames = ex.frames()
    assert "nan" not in "".join(frames) and "inf" not in "".join(frames)
    assert frames[-1].startswith("<path")  # the first step is drawn up to the edge


def test_nan_and_inf_paths_render(figure):
    def broken(mode):
        path = descend(0.1)
        path[5] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[mode]
        return [plotting.Line(path, marker=True), plotting.Points(path[-1:])]

    ex = Explorable(figure, broken, [Slider("mode", "mode", ["nan", "inf", "-inf"])], alt="x")
    for overlay in ex.frames():
        assert overlay.count("M") > 2


# -- validation -----------------------------------------------------------------


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_alt_text_is_required(figure, alt):
    with pytest.raises(ValueError, match="alt"):
        Explorable(figure, frame, [Slider("lr", "lr", LRS)], alt=alt)  # type: ignore[arg-type]


def test_alt_keyword_cannot_be_omitted(figure):
    with pytest.raises(TypeError, match="alt"):
        Explorable(figure, frame, [Slider("lr", "lr", LRS)])  # type: ignore[call-arg]


def test_default_must_be_one_of_the_values():
    with pytest.raises(ValueError, match="default"):
        Slider("lr", "learning rate", [0.1, 0.2], default=0.3)
    with pytest.raises(ValueError, match="default"):
        Toggle("on", "on", default=1)  # type: ignore[arg-type]
    assert Slider("lr", "learning rate", [0.1, 0.2]).default == 0.1


def test_bad_sliders_are_refused(figure):
    with pytest.raises(ValueError, match="values"):
        Slider("lr", "learning rate", [])
    with pytest.raises(ValueError, match="distinct labels"):
        Slider("lr", "learning rate", [0.1, 0.1])
    with pytest.raises(ValueError, match="name"):
        Slider("learning rate", "learning rate", [0.1])
    with pytest.raises(ValueError, match="label"):
        Slider("lr", "", [0.1])
    with pytest.raises(ValueError, match="distinct"):
        Explorable(figure, frame, [Slider("lr", "a", [1]), Slider("lr", "b", [2])], alt="x")
    many = [Slider(f"s{i}", "s", list(range(10))) for i in range(3)]
    with pytest.raises(ValueError, match="max_frames"):
        Explorable(figure, frame, many, alt="x")
    assert MAX_FRAMES >= 100  # a 10 x 10 grid is allowed


def test_frame_must_take_the_slider_names(figure):
    with pytest.raises(TypeError, match=r"\['rate'\]"):
        Explorable(figure, frame, [Slider("rate", "learning rate", LRS)], alt="x")


def test_bad_overlay_items_are_reported(figure):
    ex = Explorable(figure, lambda lr: ["<path/>"], [Slider("lr", "lr", [1])], alt="x")
    with pytest.raises(TypeError, match="overlay items"):
        ex.html()


# -- the static player ----------------------------------------------------------


def test_slider_values_are_labelled(one, two):
    page = one.html()
    labels = ["0.01", "0.1", "0.5", "0.95", "1.05", "3"]
    assert player_data(page)["labels"] == [labels]
    uid = re.search(r'id="(optx-[^"]+)"', page).group(1)
    assert f'<label for="{uid}-c0"' in page and ">learning rate</label>" in page
    assert 'type="range"' in page and 'min="0" max="5" step="1" value="1"' in page
    assert 'aria-valuetext="0.1"' in page
    assert re.search(rf'<output id="{uid}-c0-out" for="{uid}-c0"[^>]*>0\.1</output>', page)
    assert "<figcaption" in page and "Drag the learning rate." in page
    assert "role='img'" in page and "aria-label='Gradient descent on a bowl'" in page
    # the live slider moves through the same values with the same labels
    assert one.inputs[0].options == tuple(zip(labels, LRS, strict=True))
    assert one.inputs[0].description == "learning rate"
    page2 = two.html()
    assert 'type="checkbox"' in page2 and " checked" in page2 and ">show labels</label>" in page2


def test_custom_value_format(figure):
    ex = Explorable(
        figure,
        frame,
        [Slider("lr", "learning rate", [1e-3, 1e-2], format=lambda v: f"{v:.0e}")],
        alt="x",
    )
    assert player_data(ex.html())["labels"] == [["1e-03", "1e-02"]]
    assert ex.inputs[0].options[0][0] == "1e-03"


def test_html_has_no_external_urls(one, two):
    for page in (one.html(), two.html()):
        assert not re.search(r"https?:|//cdn|require\(|<script[^>]+src", page)
        assert page.count("<script") == 1 and page.count("</script>") == 1


def test_script_is_scoped(one):
    script = one.html().split("<script>")[1]
    assert script.startswith("(function (data) {")
    assert not re.search(r"\b(let|const)\s", script)


def test_text_cannot_break_out_of_the_script(figure):
    def sneaky(s):
        return [plotting.Text(0, 0, s)]

    values = ["</script><script>alert(1)</script>", "<!--"]
    ex = Explorable(figure, sneaky, [Slider("s", "s", values, format=lambda v: v)], alt="</script>")
    page = ex.html()
    assert page.count("</script>") == 1
    assert player_data(page)["labels"] == [values]


def test_players_on_one_page_have_distinct_ids(one, figure):
    other = Explorable(figure, frame, [Slider("lr", "lr", LRS)], alt="Gradient descent on a bowl")
    pages = [one.html(), one.html(), other.html()]
    ids = [re.search(r'<figure class="optx-explorable" id="([^"]+)"', p).group(1) for p in pages]
    assert len(set(ids)) == 3
    for page, uid in zip(pages, ids, strict=True):
        assert page.count(f'id="{uid}') == 1 + 2  # the figure, the input, its output
        assert f"getElementById({json.dumps(uid)})" in page


def test_no_controls_gives_one_frame(figure):
    ex = Explorable(figure, lambda: [plotting.Line(descend(0.1))], alt="one path")
    assert ex.n_frames == 1 and len(player_data(ex.html())["frames"]) == 1


# -- the player in a real browser (fails without playwright and chromium: conftest.py) --


def test_player_works_in_a_browser(one, two, tmp_path: Path, browser):
    page_html = f"<!doctype html><html><body>{one.html()}{two.html()}</body></html>"
    (tmp_path / "page.html").write_text(page_html, encoding="utf-8")
    frames_one = player_data(one.html())["frames"]
    frames_two = player_data(two.html())["frames"]
    page = browser.new_page()
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((tmp_path / "page.html").as_uri())
        figures = page.locator("figure.optx-explorable")
        assert figures.count() == 2

        def overlay(i: int) -> str:
            return figures.nth(i).locator(".optx-overlay").evaluate("g => g.innerHTML")

        # keyboard: focus the first slider, press → twice: 0.1 -> 0.5 -> 0.95
        first = figures.nth(0).locator("input[type=range]")
        first.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert first.get_attribute("aria-valuetext") == "0.95"
        assert figures.nth(0).locator("output").inner_text() == "0.95"
        same = figures.nth(0).evaluate(
            "(f, s) => { const g = document.createElementNS("
            "'http://www.w3.org/2000/svg', 'g'); "
            "g.innerHTML = s; return g.innerHTML; }",
            frames_one[3],
        )
        assert overlay(0) == same
        # the second player is independent: momentum slider and checkbox
        momentum = figures.nth(1).locator("input[type=range]").nth(1)
        momentum.fill("2")  # momentum 0.9
        figures.nth(1).locator("input[type=checkbox]").uncheck()
        expected = frames_two[(2 * 4 + 2) * 2 + 0]
        same = figures.nth(1).evaluate(
            "(f, s) => { const g = document.createElementNS("
            "'http://www.w3.org/2000/svg', 'g'); "
            "g.innerHTML = s; return g.innerHTML; }",
            expected,
        )
        assert overlay(1) == same
        assert overlay(0) != overlay(1)
        assert errors == []
    finally:
        page.close()
