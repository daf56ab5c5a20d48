"""Serve the built book, and the CDN scripts its pages load, to a browser that has no CDN access.

The book's pages load three things from CDNs: MathJax (Sphinx), require.js and the
ipywidgets HTML manager (MyST-NB, on pages with widgets). The CI machine reaches the
npm registry but no CDN, so :func:`fetch_package` downloads each package's tarball from
the registry once, checks it against the registry's sha512 and unpacks it under
``_build/browser-cache/``; a :class:`Router` installed on a Playwright browser context
answers the CDN URLs from those files, lets requests to the local server through, and
blocks and records every other request, so a new external dependency shows up as a
failing test instead of a page that only works online.

:func:`serve` serves a folder on ``127.0.0.1`` at a free port, in a thread.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.server
import io
import json
import mimetypes
import shutil
import tarfile
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository root
CACHE = ROOT / "_build" / "browser-cache"  # unpacked npm packages, one folder each
REGISTRY = "https://registry.npmjs.org"
REGISTRY_TIMEOUT_S = 60  # one metadata or tarball request
# not in every system's mime list
CONTENT_TYPES = {".js": "application/javascript", ".woff": "font/woff", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class CdnPackage:
    """An npm package that answers every CDN URL starting with ``prefix``.

    ``prefix + rest`` is served from ``<package>/rest``, unless ``files`` maps ``rest`` to
    another path in the package. ``integrity`` is the subresource-integrity value that
    pages put on the CDN's copy when the npm package does not hold those exact bytes:
    the browser would block our copy, so :meth:`Router.handle` removes exactly that
    attribute value from local pages (and nothing else).
    """

    prefix: str
    name: str
    version: str
    files: dict[str, str] = field(default_factory=dict)
    integrity: str | None = None


CDN_PACKAGES = (
    # Sphinx's default mathjax_path; jsdelivr serves the newest 3.x for "mathjax@3", which is 3.2.2.
    CdnPackage("https://cdn.jsdelivr.net/npm/mathjax@3/", "mathjax", "3.2.2"),
    # MyST-NB's nb_ipywidgets_js (myst_nb.core.config.ipywidgets_js_factory): the widget manager
    # (a self-contained bundle: base, controls and output widgets, and its Font Awesome fonts) ...
    CdnPackage(
        "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/", "@jupyter-widgets/html-manager", "1.0.6"
    ),
    # ... and require.js. cdnjs serves its own minified build, which no npm package holds byte
    # for byte; npm's require.js of the same release stands in, so the page's hash of cdnjs's
    # file has to go.
    CdnPackage(
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/",
        "requirejs",
        "2.3.4",
        files={"require.min.js": "require.js"},
        integrity="sha256-Ae2Vz/4ePdIu6ZyI/5ZGsYnb+m0JlOmKPjt6XZ9JJkA=",
    ),
)


class RegistryUnreachable(RuntimeError):
    """The npm registry did not answer (no network): the browser tests cannot get the CDN files."""


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=REGISTRY_TIMEOUT_S) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise RegistryUnreachable(f"{url}: HTTP {error.code}") from error
        raise RuntimeError(f"{url}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:  # no route, DNS failure, refused, timed out
        raise RegistryUnreachable(f"{url}: {error}") from error


def package_folder(name: str, version: str, cache: Path = CACHE) -> Path:
    """Return where :func:`fetch_package` unpacks ``name@version``: ``<cache>/<name>@<version>``."""
    return Path(cache) / f"{name.replace('/', '+')}@{version}"


def fetch_package(name: str, version: str, cache: Path = CACHE) -> Path:
    """Download ``name@version`` from the npm registry once and return its unpacked folder.

    The tarball named by the registry's metadata is checked against the metadata's sha512
    ``integrity`` and unpacked (tar's ``package/`` folder) into :func:`package_folder`;
    later calls return that folder without touching the network. Raises
    :class:`RegistryUnreachable` when the registry cannot be reached and ``RuntimeError``
    when it answers with an error or a tarball that fails its checksum.
    """
    if not name or not version:
        raise ValueError(f"fetch_package needs a package name and an exact version, got {name!r}@{version!r}")
    folder = package_folder(name, version, cache)
    if (folder / ".complete").is_file():
        return folder
    metadata = json.loads(_get(f"{REGISTRY}/{name}/{version}"))
    dist = metadata["dist"]
    tarball = _get(dist["tarball"])
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() != expected:
        raise RuntimeError(f"{name}@{version}: the tarball from {dist['tarball']} does not match {dist['integrity']}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as unpacked:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            archive.extractall(unpacked, filter="data")  # no absolute paths or links out of the folder
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(str(Path(unpacked) / "package"), folder)
    (folder / ".complete").write_text(f"{dist['tarball']}\n{dist['integrity']}\n")
    return folder


def fetch_cdn_packages(cache: Path = CACHE) -> dict[str, Path]:
    """Fetch every package of :data:`CDN_PACKAGES`; return ``{prefix: unpacked folder}``."""
    return {package.prefix: fetch_package(package.name, package.version, cache) for package in CDN_PACKAGES}


def cdn_file(url: str, folders: dict[str, Path]) -> Path | None:
    """Return the local file that answers the CDN ``url``, or ``None`` when no package covers it.

    ``folders`` is :func:`fetch_cdn_packages`'s answer. The file may not exist (a path the
    package lacks); a path that climbs out of the package is refused with ``None``.
    """
    address = url.split("#", 1)[0].split("?", 1)[0]
    for package in CDN_PACKAGES:
        if address.startswith(package.prefix):
            rest = urllib.parse.unquote(address[len(package.prefix):])
            folder = folders[package.prefix].resolve()
            path = (folder / package.files.get(rest, rest)).resolve()
            return path if path.is_relative_to(folder) else None
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@contextlib.contextmanager
def serve(directory: str | Path):
    """Serve ``directory`` over HTTP on 127.0.0.1 at a free port; yield its base URL (ending in /)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"serve: directory {directory} does not exist")
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Router:
    """Answers a browser context's requests: local ones pass, CDN ones from the npm copies, others blocked.

    ``install(context)`` routes every request of a Playwright ``BrowserContext``. Requests
    under ``base`` (the local server) go through untouched, except HTML pages, which lose
    the ``integrity`` values of :data:`CDN_PACKAGES` (see :class:`CdnPackage`). CDN URLs of
    :data:`CDN_PACKAGES` are answered from ``folders`` with CORS headers (the pages load
    them ``crossorigin="anonymous"``); a path the package lacks is answered 404 and
    recorded in ``missing``, the others in ``served``. Every other request is aborted and
    recorded in ``external``. Use one router per page to collect that page's lists.
    """

    def __init__(self, base: str, folders: dict[str, Path]):
        self.base, self.folders = base, folders
        self.external: list[str] = []
        self.missing: list[str] = []
        self.served: list[str] = []  # CDN URLs answered from the npm copies

    def install(self, context) -> None:
        context.route(self._intercepted, self.handle)

    def _intercepted(self, url: str) -> bool:
        # local files other than pages never reach Python: no cost per image or stylesheet
        if url.startswith(self.base):
            return urllib.parse.urlsplit(url).path.endswith((".html", "/"))
        return True

    def handle(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base):
            response = route.fetch()
            body = response.text()
            for package in CDN_PACKAGES:
                if package.integrity:
                    body = body.replace(f' integrity="{package.integrity}"', "")
            route.fulfill(response=response, body=body)
            return
        path = cdn_file(url, self.folders)
        if path is None:
            self.external.append(url)
            route.abort("blockedbyclient")
        elif not path.is_file():
            self.missing.append(url)
            route.fulfill(status=404, headers={"Access-Control-Allow-Origin": "*"}, body="not in the npm package")
        else:
            content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            content_type = content_type or "application/octet-stream"
            route.fulfill(path=path, headers={"Access-Control-Allow-Origin": "*", "Content-Type": content_type})
            self.served.append(url)
