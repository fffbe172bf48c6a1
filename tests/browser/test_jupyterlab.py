"""A real browser: JupyterLab on 127.0.0.1 driven by Debian's Chromium (headless, through
Playwright for Python with the *system* browser — no browser download).

For each workshop notebook checked: open it, run every cell (``runmenu:run-all``), wait
for the kernel to finish, then assert that

* no cell failed and no widget failed to render ("Error displaying widget");
* the dashboard widget rendered (its DOM is there) and answers: pressing its Step button
  round-trips through the kernel and moves the clock;
* every graph is visible: Lab shows SVG outputs as ``<img src="data:image/svg+xml...">``
  (the dashboard's topology is such an image), so each must have decoded
  (``naturalWidth > 0``); the cluster's HTML output holds its graph as inline SVG, which
  must have a size on screen;

and save screenshots under ``test-artifacts/`` (gitignored) for a human to look at.

Skipped, with the reason, when Chromium or Playwright is missing. Needs:
``apt-get install -y chromium`` and ``pip install playwright`` (never ``playwright install``).

``KUBELAB_BROWSER_DISABLE_WIDGETS=1`` starts Lab with the widget manager extension
disabled: the test must then fail (the proof that it can).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("KUBELAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# notebooks with a graph and the dashboard in them
CHECKED = ["01-cluster-masters-workers.ipynb", "06-high-availability.ipynb"]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install playwright "
                               "(and use the system Chromium: apt-get install -y chromium; never `playwright install`)")
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set KUBELAB_CHROMIUM)",
                allow_module_level=True)



LAB_LOG: list[Path] = []  # the running Lab's log, quoted when a run stalls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the workshop, in its own process group."""
    base = tmp_path_factory.mktemp("lab")
    work = base / "work"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # outputs and execution counts cleared, so "every cell has its [n]" proves this run did it
    for nb_path in work.glob("*.ipynb"):
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        nb_path.write_text(json.dumps(nb, indent=1))
    settings = base / "settings"
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    # render every cell (no lazy windowing), so the whole notebook is in the DOM
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # no "get notified about Jupyter news?" toast over the screenshots (and no network)
    apputils = settings / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "ws"))
    if os.environ.get("KUBELAB_BROWSER_DISABLE_WIDGETS"):
        conf = base / "config"
        (conf / "labconfig").mkdir(parents=True)
        (conf / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyter-widgets/jupyterlab-manager": True}}))
        env["JUPYTER_CONFIG_DIR"] = str(conf)
    port = _free_port()
    log = open(base / "lab.log", "w")
    LAB_LOG[:] = [base / "lab.log"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
         f"--ServerApp.root_dir={work}", "--ServerApp.disable_check_xsrf=True"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start: {(base / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


ALL_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

IMAGES = """() => [...document.querySelectorAll('.jp-Notebook img')]
  .filter(i => (i.getAttribute('src') || '').startsWith('data:image/svg+xml'))
  .map(i => ({w: i.naturalWidth, h: i.naturalHeight, cls: i.className, complete: i.complete}))"""


PROMPTS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
  .map(p => p.textContent.trim())"""


def _run_all(page) -> None:
    """Run every cell and wait until each has its execution count.

    A run-all sent while the kernel is still connecting can be dropped by Lab (seen on a
    slow CI machine: every prompt stayed ``[ ]``). So: ask, and if no cell starts within
    30 s, ask again (at most three times); then give a slow machine five minutes.
    """
    started = "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]" \
              ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(started, polling=250, timeout=30_000)
            break
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")  # close the menu if it is still open
    try:
        page.wait_for_function(ALL_DONE, polling=500, timeout=300_000)
    except sync_api.TimeoutError:
        log = LAB_LOG[0].read_text()[-3000:] if LAB_LOG else ""
        raise AssertionError(f"not every cell ran; prompts: {page.evaluate(PROMPTS)}\nlab log:\n{log}") from None


@pytest.mark.parametrize("name", CHECKED)
def test_notebook_runs_in_jupyterlab(lab, browser, name):
    ARTIFACTS.mkdir(exist_ok=True)
    stem = Path(name).stem
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        # a workspace of its own: only this notebook is open
        page.goto(f"{lab}/lab/workspaces/{stem}/tree/{name}?reset", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # the kernel must be up before run-all (it reports idle slightly before it is ready)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.wait_for_timeout(1000)
        _run_all(page)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.wait_for_timeout(1500)  # let the last outputs and widget views render
        page.screenshot(path=str(ARTIFACTS / f"{stem}-full.png"), full_page=True)

        text = page.inner_text(".jp-Notebook")
        assert "Error displaying widget" not in text
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0, errors.first.inner_text()[:2000]

        # the dashboard rendered as a widget and answers through the kernel
        dash = page.locator(".kubelab-dashboard").last
        dash.wait_for(state="visible", timeout=30_000)
        assert dash.locator(".widget-play, .jupyter-widget-play").count() >= 1 or \
            dash.locator("button").count() >= 5
        clock = dash.locator(".widget-html-content").first
        before = clock.inner_text()
        dash.locator("button", has_text="Step").click()
        page.wait_for_function(
            "([el, before]) => el.innerText !== before", arg=[clock.element_handle(), before], polling=250,
            timeout=30_000)
        assert clock.inner_text() != before
        dash.scroll_into_view_if_needed()
        dash.screenshot(path=str(ARTIFACTS / f"{stem}-dashboard.png"))

        # graphs: SVG shown as <img>, decoded
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook img')].every(i => i.complete)",
            polling=250, timeout=30_000)
        images = page.evaluate(IMAGES)
        assert images, "no SVG graph found in the notebook"
        assert all(i["w"] > 0 and i["h"] > 0 for i in images), images
        assert any(i["cls"] == "kl-topology" for i in images), "the dashboard's topology picture is missing"
        # the cluster's own cell output: HTML with the topology as inline SVG
        inline = page.locator(".jp-OutputArea-output svg").first
        inline.scroll_into_view_if_needed()
        box = inline.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, box
        inline.screenshot(path=str(ARTIFACTS / f"{stem}-graph.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-failure.png"), full_page=True)
        (ARTIFACTS / f"{stem}-console.log").write_text("\n".join(console))
        raise
    finally:
        page.close()
