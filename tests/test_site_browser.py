"""Every page of the built site, opened in headless Chromium with no network, reads as it should: no raw TeX
in the visible text, no broken image, no console error, and no horizontal scroll of the page or of its body
text (code blocks, tables and display formulas scroll inside their own block).

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (JSON messages ended by NUL on
file descriptors 3 and 4), with the standard library only; the site is served from a local HTTP server
(Material's search runs in a web worker, which ``file://`` forbids), and every host but that server is
unreachable (``--host-resolver-rules``), so a page that needs the network fails here.  The site is the one
tests/test_docs.py builds, once per session; one browser opens every page.  Nothing is written to the repo.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_docs import LEARN, _nav_pages, build_site, needs_docs_extra

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
PAGES = sorted(_nav_pages())
WIDTH, HEIGHT = 1280, 900  # a laptop window: Material's three columns, the content column about 690 px wide
PHONE = 390, 844  # a phone held upright: one column, the navigation behind the menu button
TIMEOUT = 20.0  # seconds for any one browser answer

pytestmark = [
    needs_docs_extra,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="needs Chromium (Debian: apt-get install chromium; .ci/run installs it)",
    ),
]

# Run in each page once it has loaded: what a reader would see wrong.
INSPECT = r"""
(() => {
  const problems = [];
  const article = document.querySelector("article") || document.body;
  const text = article.innerText;
  for (const raw of ["\\(", "\\[", "$$"]) {
    const at = text.indexOf(raw);
    if (at >= 0) problems.push(`raw TeX ${raw} in the text: ...${text.slice(Math.max(0, at - 40), at + 60)}...`);
  }
  for (const image of document.images) {
    if (!image.complete || image.naturalWidth === 0) problems.push(`broken image ${image.getAttribute("src")}`);
  }
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
  }
  // The content column, its padding included (Material lets a table's scroll wrapper bleed into it).
  const right = (document.querySelector(".md-content") || article).getBoundingClientRect().right;
  const scrollsInside = "pre, .md-typeset__scrollwrap, div.arithmatex, .highlight";
  const blocks = "p, li, h1, h2, h3, h4, h5, h6, dd, dt, pre, table, .md-typeset__scrollwrap, div.arithmatex";
  for (const block of article.querySelectorAll(blocks)) {
    if (block.parentElement.closest(scrollsInside)) continue;  // its own block scrolls: the page does not
    const box = block.getBoundingClientRect();
    if (box.width > 0 && box.right > right + 1) {
      problems.push(`${block.tagName.toLowerCase()} runs ${Math.round(box.right - right)} px past the column: ` +
                    block.innerText.slice(0, 80));
    }
  }
  return problems;
})()
"""


# Run in each page at the laptop width: a figure of docs/figures shown smaller than it was drawn shrinks its text
# below the 9 px transposed_conv.viz designs for (they are drawn at most 688 px wide, the content column's width).
# The benchmark's plot (docs/measured) is drawn by benchmarks/run.py, to its own design.
SHRUNK = r"""
(() => Array.from(document.querySelectorAll('article img[src*="figures/"]'))
  .filter((image) => image.naturalWidth > image.getBoundingClientRect().width + 1)
  .map((image) => `figure ${image.getAttribute("src")} drawn ${image.naturalWidth} px wide, shown ` +
                  `${Math.round(image.getBoundingClientRect().width)} px: its text shrinks below 9 px`))()
"""


#: Chromium's DevTools pipe is fds 3 (commands in) and 4 (answers out).  This launcher moves the two pipe ends
#: there and execs the browser: a ``preexec_fn`` would do the same, but it makes ``subprocess`` fork this whole
#: process (JAX, imported by other tests, warns that its threads may deadlock the child); the launcher is
#: started the fast way, without running Python in the forked child.  Fresh copies above 9 first: a pipe end
#: that already is 3 or 4 would be overwritten by the other one.
ON_FDS_3_AND_4 = """
import fcntl, os, sys
reading, writing = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
os.dup2(reading, 3)
os.dup2(writing, 4)
os.execv(sys.argv[3], sys.argv[3:])
"""


class Chromium:
    """One headless Chromium, spoken to over the DevTools pipe; one tab, reused for every page."""

    def __init__(self, executable: str, profile: str, allowed_host: str) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        self.process = subprocess.Popen(
            [
                sys.executable,  # a tiny launcher puts the pipe on fds 3 and 4, then becomes Chromium
                "-c",
                ON_FDS_3_AND_4,
                str(to_browser_read),
                str(from_browser_write),
                executable,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--mute-audio",
                f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {allowed_host}",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_read, from_browser_write),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        page = next(target for target in self.call("Target.getTargets")["targetInfos"] if target["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.viewport(WIDTH, HEIGHT)

    def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Lay pages out for a window of ``width`` x ``height`` CSS pixels (a phone's, with ``mobile``)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe (exit status {self.process.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and return its result, keeping the events that arrive meanwhile."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not any(message["method"] == event for message in self.events):
            message = self._message(deadline)
            if "method" in message:
                self.events.append(message)

    def open(self, url: str) -> tuple[list[str], list[str]]:
        """Load ``url``; return what :data:`INSPECT` finds wrong and the console errors of the load."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        self.call("Runtime.evaluate", session=True, expression="document.fonts.ready", awaitPromise=True)
        found = self.call("Runtime.evaluate", session=True, expression=INSPECT, returnByValue=True)
        problems = list(found["result"]["value"])
        return problems, [error for message in self.events if (error := _console_error(message))]

    def close(self) -> None:
        os.close(self._to_browser)
        os.close(self._from_browser)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _console_error(message: dict[str, Any]) -> str | None:
    params = message.get("params", {})
    if message["method"] == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        return f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}"
    if message["method"] == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        return "console.error: " + " ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"])
    if message["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
        entry = params["entry"]
        return f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip()
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_site(tmp_path_factory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    assert CHROMIUM is not None
    # ignore_cleanup_errors: a renderer that outlives the browser for a moment may still write to its profile
    with tempfile.TemporaryDirectory(prefix="chromium-profile-", ignore_cleanup_errors=True) as profile:
        chromium = Chromium(CHROMIUM, profile, allowed_host="127.0.0.1")
        try:
            yield chromium
        finally:
            chromium.close()


def _url(page: str) -> str:
    """Where mkdocs puts ``page`` (``use_directory_urls``): ``names.md`` -> ``names/``, ``index.md`` -> ``./``."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_reads_right_in_a_browser_offline(page: str, served_site: str, browser: Chromium) -> None:
    browser.viewport(WIDTH, HEIGHT)
    problems, console_errors = browser.open(served_site + _url(page))
    problems += browser.call("Runtime.evaluate", session=True, expression=SHRUNK, returnByValue=True)["result"]["value"]
    assert problems + console_errors == [], f"{page}:\n" + "\n".join(problems + console_errors)


# The phone pass opens the home page and the course (every page passed it when it was written; each page more
# costs about half a second of the suite's budget, and the other pages are built from the same elements).
PHONE_PAGES = ["index.md", *LEARN]


@pytest.mark.parametrize("page", PHONE_PAGES)
def test_the_course_reads_right_on_a_phone(page: str, served_site: str, browser: Chromium) -> None:
    """390 px wide: the body text wraps inside the column (long code names break), figures shrink to fit,
    code blocks, tables and formulas scroll inside their own block, and the page never scrolls sideways."""
    browser.viewport(*PHONE, mobile=True)
    problems, console_errors = browser.open(served_site + _url(page))
    assert problems + console_errors == [], f"{page} at {PHONE[0]} px:\n" + "\n".join(problems + console_errors)
