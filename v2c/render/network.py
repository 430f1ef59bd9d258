"""Hermetic network for rendered pages.

The renderer routes every request a page makes through ``resolve(url)``:

* CDN URLs of the front-end libraries generated pages use (React 18, Babel standalone, GSAP,
  anime.js, animate.css, Font Awesome, the Tailwind play CDN) are answered from the npm packages
  vendored in ``v2c/render/vendor/node_modules`` (installed by ``scripts/vendor_js.sh`` /
  ``make vendor``), whatever version the URL asks for within a supported major.
* ``picsum.photos`` image URLs are answered with a generated picture of the requested size whose
  content is a pure function of the URL, so frames are reproducible offline.
* Everything else (other hosts, ``file:``, ``data:`` etc.) gives ``None``: the renderer aborts the
  request and reports it as blocked.

The whole CDN mapping is the ``LIBRARIES`` table below; URL parsing is in ``_parse_cdn_url``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

__all__ = [
    "LIBRARIES",
    "Library",
    "NetworkPolicy",
    "Response",
    "Variant",
    "VendorMissingError",
    "default_vendor_dir",
    "require_vendor",
    "resolve",
    "vendor_status",
]

VENDOR_ENV = "V2C_VENDOR_DIR"
VENDOR_HINT = "run `make vendor` (or `bash scripts/vendor_js.sh`) from the repository root"


def default_vendor_dir() -> Path:
    """``$V2C_VENDOR_DIR`` if set, else the ``vendor`` folder next to this module."""
    env = os.environ.get(VENDOR_ENV)
    return Path(env) if env else Path(__file__).resolve().with_name("vendor")


@dataclass(frozen=True)
class NetworkPolicy:
    """What the hermetic network answers."""

    vendor_dir: Path = field(default_factory=default_vendor_dir)
    """Folder holding package.json and node_modules/ of the vendored front-end libraries."""
    allow_cdn: bool = True
    """Serve known CDN library URLs from the vendor folder; False blocks them like any URL."""
    allow_picsum: bool = True
    """Answer picsum.photos image URLs with generated images; False blocks them."""
    picsum_vary_with_random: bool = False
    """Whether ``?random=N`` changes the picture. Off: pages that differ only in cache-busting
    query values render the same images, which is what a pixel-wise reward should see."""
    max_image_side: int = 5000
    """Largest picsum width/height served (picsum's own limit); larger requests are blocked."""


@dataclass(frozen=True)
class Response:
    """A synthetic HTTP response, ready for Playwright's ``route.fulfill``."""

    status: int
    """HTTP status code."""
    body: bytes
    """Response body."""
    content_type: str
    """MIME type, with charset for text."""
    headers: dict[str, str]
    """All response headers, Content-Type and CORS included."""


class VendorMissingError(FileNotFoundError):
    """The vendored front-end libraries are not installed."""


# --------------------------------------------------------------------------------------------
# The mapping table
#
# A request is first reduced to (package name, version, file path) by _parse_cdn_url, whichever
# CDN it names. The package name selects a Library; the major version selects a Variant (the
# vendored npm package that answers that major); the file path is matched against the Variant's
# rules in order. Rules match the *end* of the path so directory differences between CDNs
# (cdnjs drops gsap's dist/, anime's lib/) do not matter. A rule's target is a path inside the
# vendored package, "{0}" being the rule's first group; a tuple of targets is concatenated.


@dataclass(frozen=True)
class Variant:
    """One vendored npm package answering some major versions of a library."""

    majors: tuple[int, ...]
    """Major versions requested in URLs that this package answers."""
    package: str
    """Folder under node_modules (an npm alias for a second major of the same library)."""
    files: tuple[tuple[str, str | tuple[str, ...]], ...]
    """(regex matched at the end of the requested path, target path(s) in the package)."""
    main: str
    """File served when the URL names the package but no file (jsdelivr/unpkg default file)."""


@dataclass(frozen=True)
class Library:
    """A front-end library and every CDN name it goes by."""

    key: str
    """Name used by vendor_status()."""
    names: tuple[str, ...]
    """npm and cdnjs package names that mean this library."""
    variants: tuple[Variant, ...]
    """Vendored packages, by requested major version."""
    default_major: int
    """Major assumed when the URL has no version (or "latest"): what generated pages expect."""


_FA_FILES = (
    # Font Awesome 4 URLs: the v6 stylesheet plus its v4 shims keep `fa fa-*` class names working.
    (r"css/font-awesome(?:\.min)?\.css", ("css/all.min.css", "css/v4-shims.min.css")),
    (r"((?:css|js|webfonts|sprites)/[\w.-]+)", "{0}"),
)

LIBRARIES: tuple[Library, ...] = (
    Library(
        "react",
        names=("react",),
        # 16/17 pages use the same UMD globals; 18 renders them (with a legacy-root warning).
        variants=(Variant((16, 17, 18), "react", ((r"(react\.[\w.]+\.js)", "umd/{0}"),), "umd/react.development.js"),),
        default_major=18,
    ),
    Library(
        "react-dom",
        names=("react-dom",),
        variants=(
            Variant((16, 17, 18), "react-dom", ((r"(react-dom[\w.-]*\.js)", "umd/{0}"),), "umd/react-dom.development.js"),
        ),
        default_major=18,
    ),
    Library(
        "babel",
        names=("@babel/standalone", "babel-standalone"),
        # Babel 8 defaults JSX to the automatic runtime, which emits `import` statements that a
        # classic <script type="text/babel"> cannot run: pages expect 7 (6 shares the API).
        variants=(Variant((6, 7), "@babel/standalone", ((r"(babel(?:\.min)?\.js)", "{0}"),), "babel.min.js"),),
        default_major=7,
    ),
    Library(
        "gsap",
        names=("gsap",),
        variants=(Variant((3,), "gsap", ((r"([A-Za-z0-9]+(?:\.min)?\.js)", "dist/{0}"),), "dist/gsap.min.js"),),
        default_major=3,
    ),
    Library(
        "animejs",
        names=("animejs",),
        variants=(
            Variant((2, 3), "animejs", ((r"(anime(?:\.min)?\.js)", "lib/{0}"),), "lib/anime.min.js"),
            Variant((4,), "animejs-v4", ((r"anime(?:\.umd)?(?:\.min)?\.js", "dist/bundles/anime.umd.min.js"),),
                    "dist/bundles/anime.umd.min.js"),
        ),
        # LLM-written pages call the v3 global `anime({...})`; v4 replaced it with `anime.animate`.
        default_major=3,
    ),
    Library(
        "animate.css",
        names=("animate.css",),
        variants=(
            # v3 class names had no `animate__` prefix: v4's compat build keeps them.
            Variant((3,), "animate.css", ((r"animate(?:\.min)?\.css", "animate.compat.css"),), "animate.compat.css"),
            Variant((4,), "animate.css", ((r"(animate(?:\.min|\.compat)?\.css)", "{0}"),), "animate.min.css"),
        ),
        default_major=4,
    ),
    Library(
        "fontawesome",
        names=("@fortawesome/fontawesome-free", "font-awesome", "fontawesome"),
        # One v6 build answers every major: v6 keeps v5 class names, v7 pages mostly use v6 names.
        variants=(Variant((4, 5, 6, 7), "@fortawesome/fontawesome-free", _FA_FILES, "css/all.min.css"),),
        default_major=6,
    ),
    Library(
        "tailwind-play-cdn",
        names=("tailwindcss-cdn",),
        # Byte copies of https://cdn.tailwindcss.com (Tailwind v3 play CDN), see _tailwind_play.
        variants=(Variant((3,), "tailwindcss-cdn", ((r"(tailwindcss[\w-]*\.js)", "{0}"),), "tailwindcss.js"),),
        default_major=3,
    ),
    Library(
        "tailwind-browser",
        names=("@tailwindcss/browser",),
        variants=(Variant((4,), "@tailwindcss/browser", ((r"index\.global(?:\.min)?\.js", "dist/index.global.js"),),
                          "dist/index.global.js"),),
        default_major=4,
    ),
)

_BY_NAME = {name: lib for lib in LIBRARIES for name in lib.names}

# Hosts that serve npm packages as /npm/<pkg>@<ver>/<file> (jsdelivr) or /<pkg>@<ver>/<file>.
_JSDELIVR_HOSTS = frozenset({"cdn.jsdelivr.net", "fastly.jsdelivr.net", "gcore.jsdelivr.net", "testingcf.jsdelivr.net"})
_UNPKG_HOSTS = frozenset({"unpkg.com", "www.unpkg.com", "npmcdn.com"})
_CDNJS_HOSTS = frozenset({"cdnjs.cloudflare.com"})
_TAILWIND_PLAY_HOSTS = frozenset({"cdn.tailwindcss.com"})
_PICSUM_HOSTS = frozenset({"picsum.photos", "www.picsum.photos", "fastly.picsum.photos", "i.picsum.photos"})

# cdn.tailwindcss.com?plugins=... → the mirrored build with that plugin. line-clamp is built
# into 3.3+, so it needs no plugin build.
_TAILWIND_PLUGINS = ("forms", "typography", "aspect-ratio", "container-queries")

_CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}


# --------------------------------------------------------------------------------------------
# Public API


def resolve(url: str, policy: NetworkPolicy | None = None) -> Response | None:
    """Answer ``url`` from the vendored libraries or the picsum generator, or ``None`` (block).

    Raises ``VendorMissingError`` when ``url`` is a known library URL but the vendor folder is not
    installed: silently blocking React would render blank pages and poison rewards.
    """
    policy = policy or NetworkPolicy()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    # Models copy URLs out of prompts that were extracted from PDFs ("react. development.js"):
    # whitespace inside a path is never meaningful to a CDN, so drop it.
    path = re.sub(r"\s+", "", unquote(parts.path))
    if host in _PICSUM_HOSTS:
        return _picsum(path, parts.query, policy) if policy.allow_picsum else None
    if not policy.allow_cdn:
        return None
    if host in _TAILWIND_PLAY_HOSTS:
        return _tailwind_play(path, parts.query, policy)
    if host == "kit.fontawesome.com" and path.endswith(".js"):
        return _fontawesome_kit(policy)
    parsed = _parse_cdn_url(host, path)
    if parsed is None:
        return None
    name, version, file = parsed
    library = _BY_NAME.get(name)
    if library is None:
        return None
    variant = _variant_for(library, version)
    if variant is None:
        return None
    targets = _match_file(variant, file)
    if targets is None:
        return None
    return _serve(policy.vendor_dir, variant.package, targets)


def vendor_status(policy: NetworkPolicy | None = None) -> dict[str, str | None]:
    """Installed version of each vendored package, ``None`` when absent, keyed by library key;
    a second vendored major of a library gets its own key (``animejs-v4``)."""
    vendor_dir = (policy or NetworkPolicy()).vendor_dir
    status: dict[str, str | None] = {}
    for lib in LIBRARIES:
        seen: set[str] = set()
        for variant in lib.variants:
            if variant.package in seen:
                continue  # animate.css answers two majors from one package
            key = lib.key if not seen else f"{lib.key}-v{variant.majors[0]}"
            seen.add(variant.package)
            status[key] = _installed_version(vendor_dir, variant.package)
    return status


def require_vendor(policy: NetworkPolicy | None = None) -> None:
    """Raise ``VendorMissingError`` unless every vendored library is installed and usable.
    Renderers call this once at start-up so a missing install fails before any page loads."""
    policy = policy or NetworkPolicy()
    missing = [name for name, version in vendor_status(policy).items() if version is None]
    if missing:
        raise VendorMissingError(_missing_message(policy.vendor_dir, ", ".join(missing)))


# --------------------------------------------------------------------------------------------
# CDN URLs


def _parse_cdn_url(host: str, path: str) -> tuple[str, str, str] | None:
    """(package name, version or "", file path inside the package) for a CDN URL, else None."""
    segments = [s for s in path.split("/") if s]
    if host in _JSDELIVR_HOSTS:
        if len(segments) < 2 or segments[0] != "npm":
            return None  # /gh/, /combine/, /wp/: not npm packages
        return _split_npm_spec(segments[1:])
    if host in _UNPKG_HOSTS:
        return _split_npm_spec(segments) if segments else None
    if host in _CDNJS_HOSTS:
        # /ajax/libs/<library>/<version>/<file...>
        if len(segments) < 4 or segments[:2] != ["ajax", "libs"]:
            return None
        return segments[2], segments[3], "/".join(segments[4:])
    if host == "use.fontawesome.com":
        # /releases/v5.15.4/css/all.css
        if len(segments) < 3 or segments[0] != "releases":
            return None
        return "font-awesome", segments[1].lstrip("v"), "/".join(segments[2:])
    return None


def _split_npm_spec(segments: list[str]) -> tuple[str, str, str] | None:
    """["@scope", "name@1.2", "dist", "x.js"] -> ("@scope/name", "1.2", "dist/x.js")."""
    if segments[0].startswith("@"):
        if len(segments) < 2:
            return None
        scope, rest = segments[0], segments[1:]
        name, _, version = rest[0].partition("@")
        name = f"{scope}/{name}"
    else:
        rest = segments
        name, _, version = rest[0].partition("@")
    file = "/".join(rest[1:])
    if file.startswith("+esm") or file.endswith(".mjs"):
        return None  # ES-module rewrites of the package: not what the UMD files provide
    return name.lower(), version, file


def _variant_for(library: Library, version: str) -> Variant | None:
    match = re.match(r"[\^~=v]*(\d+)", version)
    major = int(match.group(1)) if match else library.default_major  # "", "latest", "next"
    for variant in library.variants:
        if major in variant.majors:
            return variant
    return None


def _match_file(variant: Variant, file: str) -> tuple[str, ...] | None:
    if not file:
        return (variant.main,)
    for pattern, target in variant.files:
        match = re.search(rf"(?:^|/){pattern}$", file)
        if match:
            targets = target if isinstance(target, tuple) else (target,)
            return tuple(t.format(*match.groups()) for t in targets)
    return None


def _serve(vendor_dir: Path, package: str, targets: tuple[str, ...]) -> Response | None:
    package_dir = vendor_dir / "node_modules" / package
    if not package_dir.is_dir():
        raise VendorMissingError(_missing_message(vendor_dir, package))
    for target in targets:
        # Paths come from URL text: refuse anything that climbs out of the package folder.
        if ".." in Path(target).parts or not (package_dir / target).is_file():
            return None
    body = b"\n".join(_read_vendored(package_dir / t) for t in targets)
    suffix = Path(targets[0]).suffix.lower()
    content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
    return _response(body, content_type, f"vendor:{package}/{'+'.join(targets)}")


@functools.lru_cache(maxsize=128)
def _read_vendored(path: Path) -> bytes:
    # Every page load asks for the same few files (Babel alone is 3 MB): read each once.
    return path.read_bytes()


def _installed_version(vendor_dir: Path, package: str) -> str | None:
    manifest = vendor_dir / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def _missing_message(vendor_dir: Path, what: str) -> str:
    return (
        f"vendored front-end libraries missing ({what}) in {vendor_dir / 'node_modules'}: "
        f"{VENDOR_HINT}. It needs npm and the npm registry once; rendering is offline afterwards."
    )


def _response(body: bytes, content_type: str, source: str, status: int = 200) -> Response:
    headers = {
        "Content-Type": content_type,
        # Pages load React with <script crossorigin> and fonts are always CORS requests: without
        # this header Chromium refuses the (synthetic) cross-origin responses.
        "Access-Control-Allow-Origin": "*",
        # Lets renderer logs tell which vendored file or generator answered a URL.
        "X-V2C-Source": source,
    }
    return Response(status=status, body=body, content_type=content_type, headers=headers)


def _tailwind_play(path: str, query: str, policy: NetworkPolicy) -> Response | None:
    """cdn.tailwindcss.com[/<version>][?plugins=a,b] -> the mirrored Tailwind v3 play CDN build.

    The tailwindcss-cdn npm package is a verbatim copy of what that URL served (its Makefile
    wgets it), so v3-only features pages rely on keep working: `tailwind.config = {...}`,
    `bg-opacity-*`, v3 default border colour and ring width, `@tailwind`/`@apply` in
    <style type="text/tailwindcss">.
    """
    version = path.strip("/")
    if version and not re.fullmatch(r"v?3(\.\d+){0,2}", version):
        return None  # a v1/v2/v4 play CDN path: nothing faithful to serve
    plugins = set()
    for key, value in parse_qsl(query):
        if key == "plugins":
            plugins.update(p.strip() for p in value.split(",") if p.strip())
    plugins &= set(_TAILWIND_PLUGINS)
    if not plugins:
        name = "tailwindcss.js"
    elif len(plugins) == 1:
        name = f"tailwindcss-with-{plugins.pop()}.js"
    else:
        name = "tailwindcss-with-all-plugins.js"
    package = "tailwindcss-cdn"
    package_dir = policy.vendor_dir / "node_modules" / package
    # The package keeps older builds in <version>/ folders: honour an exact pinned version.
    exact = version.lstrip("v")
    target = f"{exact}/{name}" if exact and (package_dir / exact / name).is_file() else name
    return _serve(policy.vendor_dir, package, (target,))


def _fontawesome_kit(policy: NetworkPolicy) -> Response | None:
    """kit.fontawesome.com/<id>.js loads the kit's CSS at run time: inject the vendored CSS."""
    if _installed_version(policy.vendor_dir, "@fortawesome/fontawesome-free") is None:
        raise VendorMissingError(_missing_message(policy.vendor_dir, "@fortawesome/fontawesome-free"))
    # The stylesheet URL goes back through resolve(), so its ../webfonts/ URLs resolve too.
    script = (
        "(function(){var l=document.createElement('link');l.rel='stylesheet';"
        "l.href='https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.7.2/css/all.min.css';"
        "(document.head||document.documentElement).appendChild(l);})();\n"
    )
    return _response(script.encode(), _CONTENT_TYPES[".js"], "generated:fontawesome-kit")


# --------------------------------------------------------------------------------------------
# picsum.photos

_PICSUM_FORMATS = {
    "": ("JPEG", "image/jpeg"),  # picsum's own default
    ".jpg": ("JPEG", "image/jpeg"),
    ".jpeg": ("JPEG", "image/jpeg"),
    ".webp": ("WEBP", "image/webp"),
    ".png": ("PNG", "image/png"),
}


def _picsum(path: str, query: str, policy: NetworkPolicy) -> Response | None:
    """/W[/H], /id/N/W[/H], /seed/S/W[/H] with optional .jpg/.webp and ?grayscale&blur=N."""
    segments = [s for s in path.split("/") if s]
    if not segments:
        return None
    suffix = ""
    stem, dot, ext = segments[-1].rpartition(".")
    if dot and f".{ext.lower()}" in _PICSUM_FORMATS:
        segments[-1], suffix = stem, f".{ext.lower()}"
    if segments[0] in ("id", "seed"):
        if len(segments) < 3:
            return None  # /id/N/info and friends: metadata, not images
        identity, dims = f"{segments[0]}/{segments[1]}", segments[2:]
    else:
        identity, dims = None, segments
    if not 1 <= len(dims) <= 2 or not all(d.isdigit() for d in dims):
        return None
    width = int(dims[0])
    height = int(dims[1]) if len(dims) == 2 else width
    if not (1 <= width <= policy.max_image_side and 1 <= height <= policy.max_image_side):
        return None
    params = dict(parse_qsl(query, keep_blank_values=True))
    grayscale = "grayscale" in params
    blur = 0
    if "blur" in params:
        blur = int(params["blur"]) if params["blur"].isdigit() else 1
        blur = min(max(blur, 1), 10)
    # The same photo id at another size is the same picture; an anonymous /W/H is "some photo",
    # told apart only by its size (and by ?random=N when the policy says so).
    key = identity or f"random/{width}x{height}"
    if policy.picsum_vary_with_random and "random" in params:
        key += f"?random={params['random']}"
    image_format, content_type = _PICSUM_FORMATS[suffix]
    draw = _cached_picsum_image if width * height <= _CACHED_PICSUM_PIXELS else _picsum_image
    body = draw(key, width, height, grayscale, blur, image_format)
    return _response(body, content_type, f"generated:picsum:{key}")


# Pictures are drawn at most this large and scaled up: they are smooth, so nothing is lost, and
# a 5000x5000 request costs a resize and an encode instead of drawing and blurring 25 MP.
_PICSUM_DRAW_SIDE = 256


def _picsum_image(key: str, width: int, height: int, grayscale: bool, blur: int, image_format: str) -> bytes:
    """A photo-like stand-in: a smooth three-colour gradient with a few soft-edged shapes, all
    placed in relative coordinates so one key looks the same at any size."""
    digest = hashlib.sha256(key.encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:16], "little"))
    colours = rng.integers(0, 256, size=(3, 3)).astype(np.float32)
    angle = rng.random() * 2 * np.pi

    scale = min(1.0, _PICSUM_DRAW_SIDE / max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    # Position along a random direction, normalised to [0, 1], then a piecewise-linear ramp
    # through the three colours.
    u = xs * np.cos(angle) + ys * np.sin(angle)
    u = (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
    lo = np.clip(u * 2, 0, 1)[..., None]
    hi = np.clip(u * 2 - 1, 0, 1)[..., None]
    rgb = colours[0] * (1 - lo) + colours[1] * lo
    rgb = rgb * (1 - hi) + colours[2] * hi
    image = Image.fromarray(rgb.astype(np.uint8), "RGB")

    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 6))):
        kind = int(rng.integers(0, 3))
        cx, cy, size = rng.random(), rng.random(), 0.1 + rng.random() * 0.35
        box = [(cx - size / 2) * w, (cy - size / 2) * h, (cx + size / 2) * w, (cy + size / 2) * h]
        fill = tuple(int(c) for c in rng.integers(0, 256, size=3))
        if kind == 0:
            draw.ellipse(box, fill=fill)
        elif kind == 1:
            draw.rectangle(box, fill=fill)
        else:
            draw.polygon([(box[0], box[3]), ((box[0] + box[2]) / 2, box[1]), (box[2], box[3])], fill=fill)
    # Photos have no hard edges; a radius relative to the size keeps scaled copies alike.
    image = image.filter(ImageFilter.GaussianBlur(radius=max(w, h) / 200))
    if blur:
        # ?blur=N is in output pixels; blurring before the upscale is equivalent and far cheaper.
        image = image.filter(ImageFilter.GaussianBlur(radius=blur * scale))
    if (w, h) != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    if grayscale:
        image = image.convert("L")
    out = io.BytesIO()
    if image_format == "JPEG":
        image.save(out, "JPEG", quality=85)
    elif image_format == "WEBP":
        image.save(out, "WEBP", quality=80, method=4)
    else:
        image.save(out, "PNG")
    return out.getvalue()


# Pages ask for the same few images again and again: those up to 1 MP (~50 kB encoded) are kept.
# Larger ones are drawn each time (a resize and an encode, ~0.1 s at 4000x3000), so a page asking
# for hundreds of distinct 5000x5000 images cannot fill the cache with hundreds of MB.
_CACHED_PICSUM_PIXELS = 1_000_000
_cached_picsum_image = functools.lru_cache(maxsize=256)(_picsum_image)
