"""Two PNG or JPEG outputs compared by their decoded pixels, within a tolerance.

A figure re-rendered with another FreeType, font or PNG encoder is not the
same bytes, yet shows the same thing. So an image pair is judged in steps:

1. The same decoded bytes: "same image".
2. Decoded with Pillow to RGBA. Another width or height: "different".
3. Every pixel equal (only the encoding or the metadata differ): "same image".
4. Else three figures: the largest per-channel difference of any pixel
   (``max diff``, 0-255, reported), the distance in bits between the two
   images' difference hashes (``dhash``: the image shrunk to
   (HASH_SIZE + 1) x HASH_SIZE grey values, one bit per pair of neighbours,
   left brighter than right) and the largest grey-level difference between
   the two images shrunk to THUMB x THUMB (``thumb diff``). The pair is
   "visually similar (max diff N)" when the hash distance is at most
   ``hash_distance`` and the thumb diff at most ``tolerance`` (or when the
   max diff itself is at most ``tolerance``), else "different".

Measured on matplotlib figures (test/python/test_verify_images.py): a line
shifted by one pixel, drawn 0.1 pt wider or without anti-aliasing gives a
hash distance of 2 to 9 and a thumb diff of 3 to 27; another curve, the same
curve 10% taller or a title added gives 9 to 84 bits and 49 to 75. The
defaults (12 bits, 36 grey levels) sit between. The hash alone misses a small
title or a slightly taller curve; the thumbnail alone is loose on large
moves of thin lines: both must agree.

Without Pillow here (it is the ``images`` extra), the comparison runs in the
interpreter that re-ran the notebook when that one has Pillow (``python``: a
bundle's environment, where matplotlib brought it), as a bounded child
process fed this module's own source; else images are compared by the sha256
of their decoded bytes, and the note says so.
"""

import base64
import binascii
import hashlib
import io
import json
import re
import subprocess

HASH_SIZE = 16
THUMB = 64
DEFAULT_TOLERANCE = 36
DEFAULT_HASH_DISTANCE = 12
# Sizes this close are compared with their content aligned (fonts that differ).
SIZE_SLACK = 12
SIZE_RATIO = 0.05
BOX = 4  # Pillow's box filter: a mean over each column or row
# A decoded image larger than this is compared by its bytes only (a bomb guard).
MAX_PIXELS = 50_000_000

SAME, SIMILAR, DIFFERENT = "same image", "visually similar", "different"


def decode_base64(value):
    """The bytes of a base64 image as a notebook stores it (line breaks ignored)."""
    text = "".join(value) if isinstance(value, list) else str(value)
    text = re.sub(r"\s+", "", text)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode("utf-8")  # not base64: compare what is there


def digest(raw):
    return hashlib.sha256(raw).hexdigest()


def pillow():
    """Pillow's Image module, or None when it is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def compare_images(
    recorded,
    now,
    tolerance=DEFAULT_TOLERANCE,
    hash_distance=DEFAULT_HASH_DISTANCE,
    python=None,
):
    """``{"verdict", "max_diff", "hash_distance", "thumb_diff", "size", "how", ...}`` for two
    base64 images; ``verdict`` is SAME, SIMILAR or DIFFERENT and ``how`` says
    how they were compared ("by pixels" or "by content hash ..."). ``python``:
    an interpreter whose Pillow may do it when this one has none."""
    was, is_ = decode_base64(recorded), decode_base64(now)
    result = {"max_diff": None, "hash_distance": None, "thumb_diff": None, "size": None}
    if was == is_:
        return dict(result, verdict=SAME, how="by pixels")
    image = pillow()
    if image is None and python:
        found = compare_elsewhere(python, recorded, now, tolerance, hash_distance)
        if found is not None:
            return found
    if image is None:
        return dict(
            result,
            verdict=DIFFERENT,
            how="by content hash (Pillow is not installed)",
            recorded="sha256 " + digest(was)[:12],
            now="sha256 " + digest(is_)[:12],
        )
    try:
        first, second = _open(image, was), _open(image, is_)
    except Exception:  # noqa: BLE001 - any undecodable image: compare the bytes
        return dict(
            result,
            verdict=DIFFERENT,
            how="by content hash (not decodable)",
            recorded="sha256 " + digest(was)[:12],
            now="sha256 " + digest(is_)[:12],
        )
    size = "%dx%d" % first.size
    if first.size != second.size:
        now_size = "%dx%d" % second.size
        if not close_sizes(first.size, second.size):
            return dict(result, verdict=DIFFERENT, how="by pixels", recorded=size, now=now_size)
        # Another font's text is a few pixels narrower or taller, and a tight
        # bounding box crops the figure to it: the plot moves, it is not rescaled.
        first, second = aligned(first, second)
        distance = hamming(dhash(first), dhash(second))
        thumb = _thumb_diff(first, second)
        result.update(hash_distance=distance, thumb_diff=thumb, size=now_size)
        verdict = SIMILAR if distance <= hash_distance and thumb <= tolerance else DIFFERENT
        return dict(result, verdict=verdict, how="by pixels, aligned", recorded=size, now=now_size)
    from PIL import ImageChops

    extrema = ImageChops.difference(first, second).getextrema()
    largest = max(high for _, high in extrema)
    distance = hamming(dhash(first), dhash(second))
    thumb = _thumb_diff(first, second)
    result.update(max_diff=largest, hash_distance=distance, thumb_diff=thumb, size=size)
    if largest == 0:
        return dict(result, verdict=SAME, how="by pixels")
    if largest <= tolerance or (distance <= hash_distance and thumb <= tolerance):
        return dict(result, verdict=SIMILAR, how="by pixels")
    return dict(
        result,
        verdict=DIFFERENT,
        how="by pixels",
        recorded="%s dhash %s" % (size, _hex(dhash(first))),
        now="%s dhash %s" % (size, _hex(dhash(second))),
    )


def _thumb_diff(first, second):
    from PIL import ImageChops

    thumbs = [p.convert("L").resize((THUMB, THUMB), resample=1) for p in (first, second)]
    return ImageChops.difference(*thumbs).getextrema()[1]


def close_sizes(recorded, now):
    """Whether two sizes differ by a few pixels: at most SIZE_SLACK pixels and
    SIZE_RATIO of the recorded size in each direction."""
    return all(
        abs(a - b) <= SIZE_SLACK and abs(a - b) <= SIZE_RATIO * a for a, b in zip(recorded, now)
    )


def aligned(first, second):
    """The two images cropped to the size they share, each placed where its content
    lines up best with the other's: the offsets that best match their column and
    row profiles (the mean grey of each column and row)."""
    (w1, h1), (w2, h2) = first.size, second.size
    width, height = min(w1, w2), min(h1, h2)
    grey1, grey2 = first.convert("L"), second.convert("L")
    x1, x2 = _offsets(
        grey1.resize((w1, 1), resample=BOX).tobytes(),
        grey2.resize((w2, 1), resample=BOX).tobytes(),
        width,
    )
    y1, y2 = _offsets(
        grey1.resize((1, h1), resample=BOX).tobytes(),
        grey2.resize((1, h2), resample=BOX).tobytes(),
        height,
    )
    return (
        first.crop((x1, y1, x1 + width, y1 + height)),
        second.crop((x2, y2, x2 + width, y2 + height)),
    )


def _offsets(profile1, profile2, length):
    """``(offset1, offset2)``, one of them 0, whose windows of ``length`` match best."""
    best = None
    for o1 in range(len(profile1) - length + 1):
        for o2 in range(len(profile2) - length + 1):
            if o1 and o2:
                continue
            cost = sum(abs(a - b) for a, b in zip(profile1[o1 : o1 + length], profile2[o2:]))
            if best is None or cost < best[0]:
                best = (cost, o1, o2)
    return best[1], best[2]


def _open(image, raw):
    picture = image.open(io.BytesIO(raw))
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise ValueError("too large to decode")
    return picture.convert("RGBA")


def dhash(picture, size=HASH_SIZE):
    """The difference hash of a Pillow image as a list of 0/1 (size * size bits)."""
    grey = picture.convert("L").resize((size + 1, size), resample=1)  # Lanczos
    values = grey.tobytes()  # one byte per grey pixel
    bits = []
    for row in range(size):
        line = values[row * (size + 1) : (row + 1) * (size + 1)]
        bits.extend(1 if left > right else 0 for left, right in zip(line, line[1:]))
    return bits


def hamming(first, second):
    return sum(1 for a, b in zip(first, second) if a != b)


def _hex(bits):
    return ("%0*x" % (len(bits) // 4, int("".join(map(str, bits)), 2)))[:12]


# What the other interpreter runs: this module's source, then one comparison;
# isolated (-I: no user site, no PYTHON* variables, no current folder on sys.path).
_ELSEWHERE = (
    "import json, sys\n"
    "job = json.loads(sys.stdin.read())\n"
    "space = {'__name__': 'nbrepro_images'}\n"
    "exec(compile(job['source'], 'nbrepro/verify/images.py', 'exec'), space)\n"
    "if space['pillow']() is None:\n"
    "    sys.exit(3)\n"
    "print(json.dumps(space['compare_images'](*job['args'])))\n"
)
ELSEWHERE_TIMEOUT = 60
MAX_REPLY = 1 << 16


def compare_elsewhere(python, recorded, now, tolerance, hash_distance):
    """``compare_images`` run by interpreter ``python`` (which has Pillow), with
    "(Pillow of the re-run's Python)" added to ``how``; None when it cannot."""
    with open(__file__, encoding="utf-8") as handle:
        source = handle.read()
    job = json.dumps({"source": source, "args": [recorded, now, tolerance, hash_distance]})
    try:
        done = subprocess.run(
            [str(python), "-I", "-c", _ELSEWHERE],
            input=job,
            capture_output=True,
            text=True,
            timeout=ELSEWHERE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or len(done.stdout) > MAX_REPLY:
        return None
    try:
        found = json.loads(done.stdout)
    except ValueError:
        return None
    if not isinstance(found, dict) or found.get("verdict") not in (SAME, SIMILAR, DIFFERENT):
        return None
    found["how"] = "%s (Pillow of the re-run's Python)" % found.get("how", "by pixels")
    return found
