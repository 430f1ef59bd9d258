"""v2c.render.network: CDN URLs answered from the vendor folder, picsum images generated, the rest
blocked. The last test loads a real page through it in headless Chromium."""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin

import numpy as np
import pytest
from PIL import Image

from v2c.render import network
from v2c.render.network import NetworkPolicy, VendorMissingError, require_vendor, resolve, vendor_status

JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"


@pytest.fixture(scope="module", autouse=True)
def vendored() -> None:
    # `make test` installs the vendor folder first; reaching here without it is a broken set-up,
    # not a reason to skip.
    try:
        require_vendor()
    except VendorMissingError as e:
        pytest.fail(str(e))


# The exact forms the seed prompts tell models to use (including the PDF-extraction typo).
SEED_URLS = [
    ("https://cdn.jsdelivr.net/npm/react@18.0.0/umd/react.development.js", JS, b"react.development.js"),
    ("https://cdn.jsdelivr.net/npm/react@18.0.0/umd/react. development.js", JS, b"react.development.js"),
    ("https://cdn.jsdelivr.net/npm/react-dom@18.0.0/umd/react-dom.development.js", JS, b"react-dom.development.js"),
    ("https://cdn.jsdelivr.net/npm/react-dom@18.0.0/umd/react-dom. development.js", JS, b"react-dom.development.js"),
    ("https://cdn.jsdelivr.net/npm/@babel/standalone/babel.js", JS, b"text/babel"),
    ("https://cdn.tailwindcss.com", JS, b"cdn.tailwindcss.com should not be used in production"),
]

OTHER_CDN_URLS = [
    ("https://unpkg.com/react@18/umd/react.production.min.js", JS, b"react.production.min.js"),
    ("https://unpkg.com/react@18.2.0/umd/react.development.js", JS, b"react.development.js"),
    ("https://cdnjs.cloudflare.com/ajax/libs/react/18.2.0/umd/react.production.min.js", JS, b"react.production.min.js"),
    ("https://unpkg.com/react-dom@18/umd/react-dom.production.min.js", JS, b"react-dom.production.min.js"),
    ("https://cdnjs.cloudflare.com/ajax/libs/react-dom/18.2.0/umd/react-dom.development.js", JS, b"createRoot"),
    ("https://unpkg.com/react@17/umd/react.development.js", JS, b"react.development.js"),
    ("https://unpkg.com/@babel/standalone/babel.min.js", JS, b"text/babel"),
    ("https://cdn.jsdelivr.net/npm/@babel/standalone@7.23.5/babel.min.js", JS, b"text/babel"),
    ("https://cdnjs.cloudflare.com/ajax/libs/babel-standalone/7.23.5/babel.min.js", JS, b"text/babel"),
    ("https://unpkg.com/babel-standalone@6/babel.min.js", JS, b"text/babel"),
    ("https://cdn.tailwindcss.com/", JS, b"tailwind"),
    ("https://cdn.tailwindcss.com/3.4.1", JS, b"tailwind"),
    ("https://cdn.tailwindcss.com?plugins=forms,typography,aspect-ratio,line-clamp", JS, b"prose"),
    ("https://cdn.jsdelivr.net/npm/@tailwindcss/browser@4", JS, b"text/tailwindcss"),
    ("https://unpkg.com/@tailwindcss/browser@4.1.0/dist/index.global.js", JS, b"text/tailwindcss"),
    ("https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.2/gsap.min.js", JS, b"GreenSock"),
    ("https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.5/ScrollTrigger.min.js", JS, b"ScrollTrigger"),
    ("https://cdn.jsdelivr.net/npm/gsap@3.12.5/dist/gsap.min.js", JS, b"GreenSock"),
    ("https://cdn.jsdelivr.net/npm/gsap@3/dist/MotionPathPlugin.min.js", JS, b"MotionPath"),
    ("https://unpkg.com/gsap@3", JS, b"GreenSock"),
    ("https://cdnjs.cloudflare.com/ajax/libs/animejs/3.2.1/anime.min.js", JS, b"anime"),
    ("https://cdn.jsdelivr.net/npm/animejs@3.2.1/lib/anime.min.js", JS, b"anime"),
    ("https://unpkg.com/animejs/lib/anime.min.js", JS, b"anime.js v3"),
    ("https://cdn.jsdelivr.net/npm/animejs@4.0.2/lib/anime.umd.min.js", JS, b"v4."),
    ("https://cdnjs.cloudflare.com/ajax/libs/animate.css/4.1.1/animate.min.css", CSS, b"animate__bounce"),
    ("https://cdn.jsdelivr.net/npm/animate.css@4.1.1/animate.css", CSS, b"animate__bounce"),
    ("https://unpkg.com/animate.css@4.1.1/animate.compat.css", CSS, b".bounce"),
    ("https://cdnjs.cloudflare.com/ajax/libs/animate.css/3.7.2/animate.min.css", CSS, b".bounce"),
    ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/css/all.min.css", CSS, b"Font Awesome"),
    ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/5.15.4/css/all.min.css", CSS, b"Font Awesome"),
    ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/4.7.0/css/font-awesome.min.css", CSS, b"fa-glass"),
    ("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.5.1/css/all.min.css", CSS, b"Font Awesome"),
    ("https://use.fontawesome.com/releases/v5.15.4/css/all.css", CSS, b"Font Awesome"),
    ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/js/all.min.js", JS, b"Font Awesome"),
    ("https://kit.fontawesome.com/0123abcd.js", JS, b"all.min.css"),
]


@pytest.mark.parametrize(("url", "content_type", "marker"), SEED_URLS + OTHER_CDN_URLS)
def test_cdn_urls_resolve_to_vendored_files(url: str, content_type: str, marker: bytes) -> None:
    response = resolve(url)
    assert response is not None, url
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert len(response.body) > 1000 or url.startswith("https://kit.")
    assert marker in response.body


def test_react_version_in_url_does_not_matter() -> None:
    bodies = {
        resolve(f"https://cdn.jsdelivr.net/npm/react@{v}/umd/react.development.js").body  # type: ignore[union-attr]
        for v in ("18.0.0", "18.2.0", "18", "^18.2.0", "latest")
    }
    bodies.add(resolve("https://cdn.jsdelivr.net/npm/react/umd/react.development.js").body)  # type: ignore[union-attr]
    assert len(bodies) == 1
    assert b'ReactVersion = \'18.2.0\'' in bodies.pop()


def test_tailwind_plugins_and_versions_pick_mirrored_builds() -> None:
    def source(url: str) -> str:
        response = resolve(url)
        assert response is not None, url
        return response.headers["X-V2C-Source"]

    assert source("https://cdn.tailwindcss.com").endswith("/tailwindcss.js")
    assert source("https://cdn.tailwindcss.com?plugins=forms").endswith("/tailwindcss-with-forms.js")
    assert source("https://cdn.tailwindcss.com?plugins=forms,typography").endswith("-with-all-plugins.js")
    assert source("https://cdn.tailwindcss.com?plugins=line-clamp").endswith("/tailwindcss.js")  # built in
    assert source("https://cdn.tailwindcss.com/3.4.1").endswith("/3.4.1/tailwindcss.js")
    assert source("https://cdn.tailwindcss.com/3.4.17").endswith("cdn/tailwindcss.js")  # nearest: the newest
    assert resolve("https://cdn.tailwindcss.com/2.2.19") is None


@pytest.mark.parametrize(
    "css_url",
    [
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/css/all.min.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6/css/all.min.css",
        "https://use.fontawesome.com/releases/v5.15.4/css/all.css",
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/4.7.0/css/font-awesome.min.css",
    ],
)
def test_font_awesome_webfont_urls_relative_to_css_resolve(css_url: str) -> None:
    css = resolve(css_url)
    assert css is not None
    font_urls = set(re.findall(rb"url\(([^)]+)\)", css.body))
    assert len(font_urls) >= 6
    for relative in font_urls:
        font_url = urljoin(css_url, relative.decode().strip("'\""))
        font = resolve(font_url)
        assert font is not None, font_url
        assert font.content_type in ("font/woff2", "font/ttf")
        assert font.headers["Access-Control-Allow-Origin"] == "*"  # fonts are CORS requests
        assert font.body[:4] in (b"wOF2", b"\x00\x01\x00\x00")  # woff2 / TrueType magic


# ---------------------------------------------------------------------------------------------
# picsum


def _image(url: str) -> Image.Image:
    response = resolve(url)
    assert response is not None, url
    return Image.open(io.BytesIO(response.body))


@pytest.mark.parametrize(
    ("url", "size", "fmt"),
    [
        ("https://picsum.photos/200/300", (200, 300), "JPEG"),
        ("https://picsum.photos/250", (250, 250), "JPEG"),
        ("https://picsum.photos/id/237/320/180", (320, 180), "JPEG"),
        ("https://picsum.photos/id/10/64", (64, 64), "JPEG"),
        ("https://picsum.photos/seed/hero/1280/400", (1280, 400), "JPEG"),
        ("https://picsum.photos/400/300?random=1", (400, 300), "JPEG"),
        ("https://picsum.photos/200/300.jpg", (200, 300), "JPEG"),
        ("https://picsum.photos/id/1/200/300.webp", (200, 300), "WEBP"),
        ("https://picsum.photos/seed/x/150/100.png", (150, 100), "PNG"),
        ("https://picsum.photos/200/300/?blur=2", (200, 300), "JPEG"),
        ("http://picsum.photos/33/17", (33, 17), "JPEG"),
    ],
)
def test_picsum_size_and_format(url: str, size: tuple[int, int], fmt: str) -> None:
    response = resolve(url)
    assert response is not None
    assert response.content_type == Image.MIME[fmt]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    image = Image.open(io.BytesIO(response.body))
    assert image.size == size and image.format == fmt


def test_picsum_bytes_are_deterministic() -> None:
    url = "https://picsum.photos/id/237/640/480.jpg"
    first = resolve(url).body  # type: ignore[union-attr]
    network._cached_picsum_image.cache_clear()  # regenerate rather than hit the cache
    assert resolve(url).body == first  # type: ignore[union-attr]
    assert resolve(url).body == first  # type: ignore[union-attr]


def test_picsum_identity() -> None:
    def body(url: str, policy: NetworkPolicy | None = None) -> bytes:
        response = resolve(url, policy)
        assert response is not None
        return response.body

    # Cache-busting query values do not change the picture by default...
    assert body("https://picsum.photos/300/200?random=1") == body("https://picsum.photos/300/200?random=2")
    # ...unless the policy says so.
    varying = NetworkPolicy(picsum_vary_with_random=True)
    assert body("https://picsum.photos/300/200?random=1", varying) != body("https://picsum.photos/300/200?random=2", varying)
    # Different photos differ.
    assert body("https://picsum.photos/id/1/300/200") != body("https://picsum.photos/id/2/300/200")
    assert body("https://picsum.photos/seed/a/300/200") != body("https://picsum.photos/seed/b/300/200")
    # One photo at two sizes is the same picture, scaled.
    small = np.asarray(_image("https://picsum.photos/id/5/160/90").convert("RGB"), np.float64)
    large = _image("https://picsum.photos/id/5/640/360").convert("RGB").resize((160, 90), Image.Resampling.BILINEAR)
    assert np.abs(small - np.asarray(large, np.float64)).mean() < 8
    assert _image("https://picsum.photos/200/300?grayscale").mode == "L"


@pytest.mark.parametrize(
    "url",
    [
        "https://picsum.photos/",
        "https://picsum.photos/id/237/info",
        "https://picsum.photos/v2/list?page=2",
        "https://picsum.photos/0/100",
        "https://picsum.photos/6000/100",
        "https://picsum.photos/abc/100",
    ],
)
def test_picsum_non_images_are_blocked(url: str) -> None:
    assert resolve(url) is None


def test_picsum_can_be_disabled() -> None:
    assert resolve("https://picsum.photos/200/300", NetworkPolicy(allow_picsum=False)) is None


# ---------------------------------------------------------------------------------------------
# Blocked URLs and the missing-vendor error


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///work/main/v2c/render/vendor/node_modules/react/umd/react.development.js",
        "data:text/javascript,alert(1)",
        "blob:https://example.com/1234",
        "chrome://settings",
        "about:blank",
        "ftp://cdn.jsdelivr.net/npm/react@18/umd/react.development.js",
        "https://example.com/script.js",
        "https://fonts.googleapis.com/css2?family=Inter:wght@400;700",
        "https://cdn.jsdelivr.net/npm/react@19/umd/react.development.js",  # 19 ships no UMD build
        "https://cdn.jsdelivr.net/npm/react@18/index.js",
        "https://cdn.jsdelivr.net/npm/react@18/+esm",
        "https://cdn.jsdelivr.net/npm/chart.js",
        "https://cdn.jsdelivr.net/npm/tailwindcss@2.2.19/dist/tailwind.min.css",
        "https://cdn.jsdelivr.net/gh/user/repo/react.development.js",
        "https://cdnjs.cloudflare.com/ajax/libs/gsap/2.1.3/TweenMax.min.js",
        "https://cdn.jsdelivr.net/npm/gsap@3/dist/NoSuchPlugin.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/webfonts/../../../../package.json",
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/css/%2e%2e/%2e%2e/package.json",
        "https://evil.example/cdn.jsdelivr.net/npm/react@18/umd/react.development.js",
        "not a url",
        "",
    ],
)
def test_unknown_and_local_urls_are_blocked(url: str) -> None:
    assert resolve(url) is None


def test_cdn_can_be_disabled() -> None:
    assert resolve("https://cdn.tailwindcss.com", NetworkPolicy(allow_cdn=False)) is None


def test_vendor_status_matches_package_json() -> None:
    manifest = json.loads((network.default_vendor_dir() / "package.json").read_text())
    pinned = {name: spec.rpartition("@")[2] if spec.startswith("npm:") else spec
              for name, spec in manifest["dependencies"].items()}
    status = vendor_status()
    assert all(status.values()), status
    assert sorted(status.values()) == sorted(pinned.values())
    assert status["react"] == pinned["react"] and status["tailwind-play-cdn"] == pinned["tailwindcss-cdn"]


def test_missing_vendor_folder_says_how_to_fix(tmp_path: Path) -> None:
    policy = NetworkPolicy(vendor_dir=tmp_path / "vendor")
    assert set(vendor_status(policy).values()) == {None}
    with pytest.raises(VendorMissingError, match="make vendor"):
        require_vendor(policy)
    with pytest.raises(VendorMissingError, match=r"make vendor.*|scripts/vendor_js\.sh"):
        resolve("https://cdn.jsdelivr.net/npm/react@18.0.0/umd/react.development.js", policy)
    with pytest.raises(VendorMissingError, match="vendor_js.sh"):
        resolve("https://cdn.tailwindcss.com", policy)
    # Generated images and blocking need no vendor folder.
    assert resolve("https://picsum.photos/10/10", policy) is not None
    assert resolve("https://example.com/", policy) is None


def test_vendor_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(network.VENDOR_ENV, str(tmp_path))
    assert network.default_vendor_dir() == tmp_path
    assert NetworkPolicy().vendor_dir == tmp_path


# ---------------------------------------------------------------------------------------------
# In a browser


def _headless_shell() -> str | None:
    for candidate in (os.environ.get("V2C_CHROMIUM"), "/usr/lib/chromium/chromium-headless-shell"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


PAGE = """<!doctype html><html><head>
<script src="https://cdn.jsdelivr.net/npm/react@18.0.0/umd/react.development.js"></script>
<script src="https://cdn.jsdelivr.net/npm/react-dom@18.0.0/umd/react-dom.development.js"></script>
<script src="https://cdn.jsdelivr.net/npm/@babel/standalone/babel.js"></script>
<script src="https://cdn.tailwindcss.com"></script>
<script>tailwind.config = { theme: { extend: { colors: { brand: '#ff6600' } } } }</script>
<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.4.0/css/all.min.css">
<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/animate.css/4.1.1/animate.min.css">
<script src="https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.2/gsap.min.js"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/animejs/3.2.1/anime.min.js"></script>
</head><body><div id="root"></div>
<script type="text/babel">
function App() {
  return (<div className="p-4">
    <h1 className="text-brand"><i className="fas fa-star"></i> Hi</h1>
    <div id="overlay" className="bg-black bg-opacity-50 w-4 h-4"></div>
    <img id="photo" src="https://picsum.photos/id/237/120/80" />
  </div>);
}
ReactDOM.createRoot(document.getElementById('root')).render(<App />);
</script></body></html>"""


def test_page_with_vendored_libraries_renders_offline() -> None:
    executable = _headless_shell()
    if executable is None:
        pytest.skip("no Chromium headless shell (run `make setup`)")
    sync_api = pytest.importorskip("playwright.sync_api")
    blocked: list[str] = []

    def route(r) -> None:  # noqa: ANN001 - Playwright's Route
        response = resolve(r.request.url)
        if response is None:
            blocked.append(r.request.url)
            r.abort()
        else:
            r.fulfill(status=response.status, headers=response.headers, body=response.body)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", route)
            page.goto("about:blank")
            page.set_content(PAGE, wait_until="load")
            page.wait_for_function("document.getElementById('photo') && document.getElementById('photo').complete")
            page.evaluate("document.fonts.ready")
            state = page.evaluate("""() => ({
                libs: [typeof React, typeof ReactDOM, typeof gsap, typeof anime].join(),
                brand: getComputedStyle(document.querySelector('h1')).color,
                overlay: getComputedStyle(document.getElementById('overlay')).backgroundColor,
                iconFont: getComputedStyle(document.querySelector('.fa-star'), '::before').fontFamily,
                fontsLoaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
                photo: document.getElementById('photo').naturalWidth,
            })""")
        finally:
            browser.close()
    assert blocked == [] and errors == []
    assert state["libs"] == "object,object,object,function"
    assert state["brand"] == "rgb(255, 102, 0)"  # tailwind.config honoured: the v3 play CDN
    assert state["overlay"] == "rgba(0, 0, 0, 0.5)"  # bg-opacity-*: v3 only
    assert "Font Awesome 6 Free" in state["iconFont"] and "Font Awesome 6 Free" in state["fontsLoaded"]
    assert state["photo"] == 120
