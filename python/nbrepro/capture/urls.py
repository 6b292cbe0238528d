"""URL helpers shared by the conda and pip probes: credential removal and
conda's canonical channel names.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import re

# conda.anaconda.org tokens live in the path: https://host/t/<token>/channel/...
_TOKEN_RE = re.compile(r"/t/[A-Za-z0-9_-]+(?=/)")
# user:password@ or token@ in the authority part of any URL.
_AUTH_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")

CHANNEL_ALIAS = "https://conda.anaconda.org"
# conda's default multichannel `defaults` (conda/base/constants.py DEFAULT_CHANNELS_*)
DEFAULTS_NAMES = ("pkgs/main", "pkgs/r", "pkgs/msys2")
DEFAULTS_HOSTS = ("repo.anaconda.com", "repo.continuum.io")
KNOWN_SUBDIRS = frozenset(
    (
        "noarch",
        "linux-32",
        "linux-64",
        "linux-aarch64",
        "linux-armv6l",
        "linux-armv7l",
        "linux-ppc64",
        "linux-ppc64le",
        "linux-riscv64",
        "linux-s390x",
        "osx-64",
        "osx-arm64",
        "win-32",
        "win-64",
        "win-arm64",
        "zos-z",
        "emscripten-wasm32",
        "wasi-wasm32",
        "freebsd-64",
    )
)


def redact_url(url):
    """Remove `user:pass@` and `/t/<token>/` from a URL; None stays None."""
    if not url or not isinstance(url, str):
        return url
    url = _AUTH_RE.sub(r"\1", url)
    return _TOKEN_RE.sub("", url)


def channel_base_url(url, subdir=None, fn=None):
    """The channel part of a package URL: `<channel>/<subdir>/<fn>` minus the last two parts.

    Works on conda's `channel` field too (`<channel>/<subdir>`, or a bare name).
    """
    if not url:
        return None
    url = redact_url(url).rstrip("/")
    if fn and url.endswith("/" + fn):
        url = url[: -len(fn) - 1]
    elif url.endswith((".conda", ".tar.bz2")):
        url = url.rsplit("/", 1)[0]
    head, _, last = url.rpartition("/")
    if head and (last == subdir or last in KNOWN_SUBDIRS):
        url = head
    return url


_CANONICAL = {}


def canonical_channel(channel):
    """Cached `_canonical_channel` (a prefix has a handful of distinct channels)."""
    try:
        return _CANONICAL[channel]
    except (KeyError, TypeError):
        pass
    value = _canonical_channel(channel)
    if isinstance(channel, str) and len(_CANONICAL) < 1024:
        _CANONICAL[channel] = value
    return value


def _canonical_channel(channel):
    """conda's `Channel.canonical_name` for a channel URL or name.

    Under the channel alias -> the path (`conda-forge`); the `defaults`
    members -> `defaults`; a bare name stays; any other URL stays a URL.
    """
    if not channel:
        return "<unknown>"
    channel = redact_url(channel).rstrip("/")
    if "://" not in channel:
        name = channel
        if name in DEFAULTS_NAMES:
            return "defaults"
        return name
    scheme, _, rest = channel.partition("://")
    host, _, path = rest.partition("/")
    path = path.strip("/")
    if channel.startswith(CHANNEL_ALIAS + "/"):
        return channel[len(CHANNEL_ALIAS) + 1 :]
    if path in DEFAULTS_NAMES and host in DEFAULTS_HOSTS:
        return "defaults"
    return channel
