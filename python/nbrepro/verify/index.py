"""Which files a package index offers for one release, asked the way pip asks.

pip's configuration decides where to look (``PIP_INDEX_URL``,
``PIP_EXTRA_INDEX_URL``, ``PIP_FIND_LINKS``, ``PIP_NO_INDEX`` and the same keys
in pip's configuration files); each index is read as a PEP 691 JSON page, or a
PEP 503 HTML page when it answers HTML (``python -m http.server`` over a
``simple/<project>/index.html`` tree is one). Find-links folders and ``file://``
indexes are listed on disk. A URL's user info and query are never shown.
"""

import base64
import configparser
import gzip
import http.client
import json
import os
import re
import sys
import threading
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

DEFAULT_INDEX = "https://pypi.org/simple"
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)
MAX_PAGE = 32 * 1024 * 1024


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def shown(url):
    """``url`` without user info, query or fragment: what may be printed."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if not parts.scheme or parts.scheme == "file":
        return url.split("?")[0].split("#")[0]
    host = parts.hostname or ""
    if parts.port:
        host += ":%d" % parts.port
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _config_files(environ):
    """pip's configuration files, in the order pip reads them (later wins)."""
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    home = Path(os.path.expanduser("~"))
    xdg = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    files = [Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf")]
    if environ.get("PIP_CONFIG_FILE"):
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    files += [home / ".pip" / "pip.conf", xdg / "pip" / "pip.conf"]
    if sys.prefix != sys.base_prefix:
        files.append(Path(sys.prefix) / "pip.conf")
    return files


def _split(value):
    return [item for item in re.split(r"\s+", value or "") if item]


class Sources(object):
    """Where pip would look: indexes (URLs) and find-links (folders or URLs)."""

    def __init__(self, indexes, find_links, no_index=False):
        self.indexes = [] if no_index else indexes
        self.find_links = find_links
        self.no_index = no_index

    def describe(self):
        parts = [shown(u) for u in self.indexes] + [shown(f) for f in self.find_links]
        return ", ".join(parts) or "nowhere (PIP_NO_INDEX and no find-links)"


def configured(environ=None, index_url=None, requirements_options=()):
    """pip's sources as this machine configures them; ``index_url`` replaces the
    index; ``requirements_options`` are ``(option, value)`` pairs of a
    requirements file (``--index-url``, ``--extra-index-url``, ``--find-links``,
    ``--no-index``), relative folders already made absolute."""
    environ = os.environ if environ is None else environ
    settings = {}
    for path in _config_files(environ):
        parser = configparser.RawConfigParser()
        try:
            parser.read(str(path), encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    settings[key.replace("_", "-")] = value
    for key, value in environ.items():
        if key.startswith("PIP_"):
            settings[key[4:].lower().replace("_", "-")] = value
    index = index_url or settings.get("index-url") or DEFAULT_INDEX
    extra = _split(settings.get("extra-index-url"))
    links = _split(settings.get("find-links"))
    no_index = str(settings.get("no-index", "")).lower() in ("1", "true", "yes", "on")
    for option, value in requirements_options:
        if option in ("--index-url", "-i") and not index_url:
            index = value
        elif option == "--extra-index-url":
            extra.append(value)
        elif option in ("--find-links", "-f"):
            links.append(value)
        elif option == "--no-index":
            no_index = True
    return Sources([index] + [e for e in extra if e != index], links, no_index)


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.files = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        href = dict(attrs).get("href")
        if href:
            path = urllib.parse.urlsplit(href).path
            name = urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])
            if name:
                attributes = dict(attrs)
                self.files.append({"filename": name, "yanked": "data-yanked" in attributes})


def parse_page(body, content_type):
    """[{"filename", "size"?, "yanked"}] from a simple-index page (JSON or HTML)."""
    if "json" in (content_type or ""):
        data = json.loads(body.decode("utf-8"))
        files = []
        for item in data.get("files") or []:
            if isinstance(item, dict) and isinstance(item.get("filename"), str):
                files.append(
                    {
                        "filename": item["filename"],
                        "size": item.get("size") if isinstance(item.get("size"), int) else None,
                        "yanked": bool(item.get("yanked")),
                    }
                )
        return files
    parser = _Anchors()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.files


class Unreachable(Exception):
    """The source did not answer (offline, refused, timed out, not a page)."""


def _folder_of(link):
    if link.startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlsplit(link).path))
    if "://" in link:
        return None
    return Path(link)


def project_files(source, project, timeout, is_index=True):
    """The files ``source`` (an index URL, or a find-links folder or URL) offers
    for ``project``; [] when it has none; Unreachable when it cannot be asked."""
    name = canonical(project)
    folder = _folder_of(source)
    if folder is not None:
        where = folder / name if is_index else folder
        if not where.is_dir():
            return []
        page = where / "index.html"
        if is_index and page.is_file():
            return parse_page(page.read_bytes(), "text/html")
        return [
            {"filename": p.name, "size": p.stat().st_size, "yanked": False}
            for p in where.iterdir()
            if p.is_file()
        ]
    url = source.rstrip("/") + "/" + name + "/" if is_index else source
    try:
        status, body, content_type = fetch(url, timeout)
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise Unreachable("%s: %s" % (shown(url), getattr(error, "reason", error))) from None
    if status == 404:
        return []
    if status != 200:
        raise Unreachable("%s answered %d" % (shown(url), status))
    if len(body) > MAX_PAGE:
        raise Unreachable("%s: the page is larger than %d bytes" % (shown(url), MAX_PAGE))
    try:
        files = parse_page(body, content_type)
    except (ValueError, UnicodeDecodeError) as error:
        raise Unreachable("%s: not a simple-index page (%s)" % (shown(url), error)) from None
    if not is_index:
        files = [f for f in files if canonical_prefix(f["filename"]) == name]
    return files


_LOCAL = threading.local()


def _connection(scheme, host, port, timeout):
    """This thread's open connection to ``host``: one TLS handshake per host and
    thread, not one per package (a hundred pins on a two-core machine)."""
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    key = (scheme, host, port)
    connection = pool.get(key)
    if connection is None:
        if scheme == "https":
            import ssl

            context = ssl.create_default_context()
            cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
            if cafile and os.path.isfile(cafile):
                context.load_verify_locations(cafile)
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        pool[key] = connection
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    return connection


def fetch(url, timeout, redirects=3):
    """``(status, body, content type)`` of a GET of ``url`` (http or https), over this
    thread's kept connection; a proxy in the environment is used through urllib."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("not an http(s) URL")
    headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip", "User-Agent": "nbrepro-preflight"}
    if parts.username:
        token = "%s:%s" % (
            urllib.parse.unquote(parts.username),
            urllib.parse.unquote(parts.password or ""),
        )
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(
        parts.hostname or ""
    ):
        return _fetch_with_urllib(url, headers, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    for attempt in (1, 2):
        connection = _connection(parts.scheme, parts.hostname, parts.port, timeout)
        try:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            body = answer.read(MAX_PAGE + 1)
            break
        except (http.client.HTTPException, OSError):
            connection.close()  # a kept connection the server closed: once more, fresh
            if attempt == 2:
                raise
    if answer.status in (301, 302, 303, 307, 308) and redirects > 0:
        location = answer.getheader("Location")
        if location:
            return fetch(urllib.parse.urljoin(url, location), timeout, redirects - 1)
    if answer.getheader("Content-Encoding", "") == "gzip":
        body = gzip.decompress(body)
    return answer.status, body, answer.getheader("Content-Type", "")


def _fetch_with_urllib(url, headers, timeout):
    import urllib.error

    headers = dict(headers, **{"Accept-Encoding": "identity"})
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read(MAX_PAGE + 1), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def canonical_prefix(filename):
    """The project a file name belongs to, canonical (``Foo_Bar-1.0.tar.gz`` -> ``foo-bar``)."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return canonical(str(parse_wheel_filename(filename)[0]))
        return canonical(str(parse_sdist_filename(filename)[0]))
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
