"""Images compared by their pixels: real matplotlib figures, re-rendered.

The figures are drawn here with matplotlib's Agg backend (no display); each
variant is what another machine, another FreeType or another PNG encoder could
plausibly give for the same plot, or another plot altogether.
"""

import base64
import io
import json

import nbformat
import pytest
from test_verify import main, private_ipython  # noqa: F401 - fixture

from nbrepro.verify import compare, images

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")


def figure(curve=np.sin, antialiased=True, width=1.5, title=None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    x = np.linspace(0, 10, 200)
    ax.plot(x, curve(x), antialiased=antialiased, lw=width)
    if title:
        ax.set_title(title)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def recompressed(raw):
    """The same pixels, encoded again at another level and with a text chunk."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "another encoder")
    out = io.BytesIO()
    Image.open(io.BytesIO(raw)).save(out, "png", compress_level=1, pnginfo=info)
    return out.getvalue()


def shifted(raw):
    """Everything one pixel to the right."""
    picture = Image.open(io.BytesIO(raw)).convert("RGBA")
    moved = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    moved.paste(picture, (1, 0))
    out = io.BytesIO()
    moved.save(out, "png")
    return out.getvalue()


def b64(raw):
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def base():
    return figure()


def verdict(recorded, now, **options):
    return images.compare_images(b64(recorded), b64(now), **options)


def test_identical_and_re_encoded_figures_are_the_same_image(base):
    assert verdict(base, figure())["verdict"] == "same image"
    again = recompressed(base)
    assert again != base
    result = verdict(base, again)
    assert (result["verdict"], result["max_diff"]) == ("same image", 0)
    assert compare.image_verdict(result) == "same image (same pixels, other bytes)"


@pytest.mark.parametrize(
    "variant",
    [
        lambda base: shifted(base),
        lambda base: figure(antialiased=False),
        lambda base: figure(width=1.6),
    ],
    ids=["one-pixel shift", "no anti-aliasing", "line 0.1 pt wider"],
)
def test_a_re_rendered_figure_is_visually_similar(base, variant):
    result = verdict(base, variant(base))
    assert result["verdict"] == "visually similar", result
    assert result["max_diff"] > 0
    assert compare.image_verdict(result).startswith(
        "visually similar (max diff %d, " % result["max_diff"]
    )


@pytest.mark.parametrize(
    "variant",
    [
        lambda: figure(np.cos),
        lambda: figure(lambda x: 1.1 * np.sin(x)),
        lambda: figure(title="Another title"),
    ],
    ids=["another curve", "10% taller", "a title added"],
)
def test_another_plot_is_different(base, variant):
    result = verdict(base, variant())
    assert result["verdict"] == "different", result
    assert result["recorded"].startswith("640x480 dhash ")


def test_another_size_is_different(base):
    smaller = Image.open(io.BytesIO(base)).resize((320, 240))
    out = io.BytesIO()
    smaller.save(out, "png")
    result = verdict(base, out.getvalue())
    assert compare.image_verdict(result) == "different (size 320x240, recorded 640x480)"


def test_thresholds_are_options(base):
    similar = shifted(base)
    assert verdict(base, similar, tolerance=0, hash_distance=0)["verdict"] == "different"
    # A loose enough tolerance lets another curve through: the option is the user's.
    assert verdict(base, figure(np.cos), tolerance=255)["verdict"] == "visually similar"


def test_verify_passes_a_re_rendered_figure_and_names_it(
    record,
    tmp_path,
    private_ipython,  # noqa: F811
    capsys,
    base,
):
    cell = "from IPython.display import Image\nImage(filename='fig.png')"
    path = record(
        [nbformat.v4.new_markdown_cell("# verify"), cell], files={"fig.png": base}, into=tmp_path
    )
    (tmp_path / "fig.png").write_bytes(shifted(base))
    capsys.readouterr()
    assert main("verify", path, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    note = report["cells"][0]["notes"][0]
    assert note.startswith("output 1 image/png: visually similar (max diff ")
    assert report["tolerance"]["image_tolerance"] == images.DEFAULT_TOLERANCE
    # The same pair fails when no difference is tolerated.
    assert main("verify", path, "--image-tolerance", "0", "--image-hash-distance", "0") == 1
    assert "output 1 image/png: recorded '640x480 dhash" in capsys.readouterr().out
    assert main("verify", path, "--image-tolerance", "-1") == 2


# -- figures a few pixels apart: another font's text, a tight bounding box ------------

FONTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "fonts"


def tight(font="DejaVuSans.ttf", title=None, curve=np.sin):
    """A line plot as the inline backend shows it (a tight bounding box), its tick
    labels and title in ``font``: Matplotlib's own DejaVu Sans or a fixture's font."""
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    path = FONTS / font if (FONTS / font).is_file() else None
    if path is None:
        path = __import__("pathlib").Path(matplotlib.get_data_path()) / "fonts" / "ttf" / font
    properties = FontProperties(fname=str(path))
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=72)
    x = np.linspace(0, 10, 200)
    ax.plot(x, curve(x))
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(properties)
    if title:
        ax.set_title(title, fontproperties=properties)
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def size(raw):
    return "%dx%d" % Image.open(io.BytesIO(raw)).size


def test_another_font_a_few_pixels_narrower_is_visually_similar():
    recorded, now = tight(), tight("LiberationSans-Regular.ttf")
    assert size(recorded) != size(now)
    result = verdict(recorded, now)
    assert compare.image_verdict(result) == "visually similar (size %s, recorded %s)" % (
        size(now),
        size(recorded),
    )
    assert result["hash_distance"] <= images.DEFAULT_HASH_DISTANCE


@pytest.mark.parametrize(
    "variant",
    [
        lambda: tight(curve=np.cos),
        lambda: tight(curve=lambda x: 1.1 * np.sin(x)),
        lambda: tight(curve=lambda x: 1.1 * np.sin(x), font="LiberationSans-Regular.ttf"),
        lambda: tight(title="Another title"),
        lambda: tight(title="Another title", font="LiberationSans-Regular.ttf"),
    ],
    ids=["another curve", "10% taller", "taller, another font", "a title", "a title, another font"],
)
def test_another_plot_with_a_tight_bounding_box_stays_different(variant):
    result = verdict(tight(), variant())
    assert result["verdict"] == "different", compare.image_verdict(result)


def test_without_pillow_here_the_re_runs_python_compares_the_pixels(base, monkeypatch):
    """A reviewer's `pip install nbrepro` has no Pillow; the bundle's environment,
    where matplotlib brought it, compares the figures (issue 21)."""
    import sys

    monkeypatch.setattr(images, "pillow", lambda: None)
    re_encoded = b64(recompressed(base))
    alone = images.compare_images(b64(base), re_encoded)
    assert alone["verdict"] == images.DIFFERENT and alone["how"].startswith("by content hash")
    there = images.compare_images(b64(base), re_encoded, python=sys.executable)
    assert there["verdict"] == images.SAME
    assert there["how"] == "by pixels (Pillow of the re-run's Python)"
    gone = images.compare_images(b64(base), re_encoded, python="/nonexistent/python")
    assert gone["how"].startswith("by content hash")  # no such interpreter: the bytes
