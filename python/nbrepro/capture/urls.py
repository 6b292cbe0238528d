"""URL helpers shared by the conda and pip probes: credential removal and
conda's canonical channel names.

Kernel-side code: standard library only, Python 3.8 grammar.
"""

import re

# conda.anaconda.org tokens live in the path: https://host/t/<token>/channel/...
_TOKEN_RE = re.compile(r"/t/[^/?#]+(?=/|$)")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# git's scp-like form: user@host:path (no scheme).
_SCP_RE = re.compile(r"^[^/@:\s]+@([A-Za-z0-9.-]+:)")
# A host is a name, an IPv4 address or a bracketed IPv6 address; the port digits.
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9._~%-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$")
# Fragments pip reads, each with the values it accepts; every other fragment
# (and every query string) is dropped: presigned URLs and private tokens live there.
_SAFE_FRAGMENT = {
    "egg": re.compile(r"^[A-Za-z0-9._+\-\[\],]+$"),
    "subdirectory": re.compile(r"^[A-Za-z0-9._+\-/]+$"),
}
_HASH_FRAGMENT = re.compile(r"^(md5|sha1|sha224|sha256|sha384|sha512)$")
_HEX_RE = re.compile(r"^[0-9A-Fa-f]{32,128}$")
# SSH's conventional account for git hosting: a name, never a credential.
_PUBLIC_USERS = ("git",)
REDACTED_HOST = "redacted"

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
    """A URL fit to share, by allow-list: scheme, host, port and path stay; user
    info (up to the last `@` of the authority), query strings and fragments go,
    except the fragments pip reads (`#egg=`, `#subdirectory=`, `#sha256=` and
    the other hash names) with plausible values; conda's `/t/<token>/` goes too.
    A string without a scheme (a conda channel name) keeps its text, less an
    scp-like `user@`; None stays None.
    """
    if not url or not isinstance(url, str):
        return url
    match = _SCHEME_RE.match(url)
    if not match:
        scp = _SCP_RE.match(url)
        if scp:
            user = url[: url.index("@")]
            if user not in _PUBLIC_USERS:
                url = url[url.index("@") + 1 :]
        return _TOKEN_RE.sub("", url)
    scheme = match.group(1)
    rest = url[match.end() :]
    if not rest.startswith("//"):
        # file:/path, mailto:..., a Windows drive letter: no authority.
        return scheme + ":" + _TOKEN_RE.sub("", _path_and_fragment(rest))
    rest = rest[2:]
    slash = rest.find("/")
    authority = rest if slash < 0 else rest[:slash]
    path = "" if slash < 0 else rest[slash:]
    if "@" in authority:
        user, _, authority = authority.rpartition("@")
        if user in _PUBLIC_USERS:
            authority = user + "@" + authority
    # Without a path, the authority ends at a query or fragment.
    for mark in "?#":
        if mark in authority:
            authority, _, tail = authority.partition(mark)
            path = mark + tail + path
            break
    host = authority.rpartition("@")[2]
    if not _HOST_RE.match(host):
        # Not a host: a password with an unescaped `/`, `?` or `#` in it. The
        # rest cannot be told apart from the secret, so nothing of it is kept.
        return scheme + "://" + REDACTED_HOST
    return scheme + "://" + authority + _TOKEN_RE.sub("", _path_and_fragment(path))


def _path_and_fragment(text):
    """The path of a URL's tail, plus the fragment parts pip reads."""
    path, _, fragment = text.partition("#")
    path = path.partition("?")[0]
    kept = []
    for part in fragment.split("&") if fragment else ():
        key, equals, value = part.partition("=")
        pattern = _SAFE_FRAGMENT.get(key)
        if pattern is None and _HASH_FRAGMENT.match(key):
            pattern = _HEX_RE
        if equals and pattern is not None and pattern.match(value) and ".." not in value:
            kept.append(part)
    return path + ("#" + "&".join(kept) if kept else "")


def redact_text(text):
    """`redact_url` on each URL inside a free-form string (a conda spec, a command)."""
    if not text or not isinstance(text, str) or "://" not in text:
        return text
    return _URL_IN_TEXT_RE.sub(_redact_match, text)


def _redact_match(match):
    # Punctuation that ends a sentence is not the URL's ("at http://host:80: refused").
    url = match.group(0)
    trimmed = url.rstrip(".,:;!?)]}")
    return redact_url(trimmed) + url[len(trimmed) :]


_URL_IN_TEXT_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")


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
