"""A real browser: JupyterLab on 127.0.0.1 driven by Debian's Chromium (headless, through
Playwright for Python with the *system* browser — no browser download).

For each workshop notebook checked, in JupyterLab's light theme and in its dark theme (set
through the settings directory, as a user's choice is kept): open it, run every cell
(``runmenu:run-all``), wait for the kernel to finish, then assert that

* no cell failed and no widget failed to render ("Error displaying widget");
* every graph is visible: Lab shows SVG outputs as ``<img src="data:image/svg+xml...">``
  (the dashboard's topology is such an image), so each must have decoded
  (``naturalWidth > 0``); HTML outputs that hold a graph as inline SVG (the cluster card,
  the Raft timeline) must have a size on screen;
* every graph is readable at a 1,400-px window: drawn at no less than 70 % of its natural
  width (a graph squeezed into the cell shrinks its text with it);
* in the notebooks with the dashboard, it rendered and answers through the kernel: Step
  moves the clock; Stop says what it stopped and the topology draws the machine powered
  off; Cut draws the link cut; Heal all takes the cut away; Fork here shows a second
  dashboard labelled "fork of … at t=…";
* each notebook's own picture is there (02: the path of a request; 03: the Raft timeline);

and save screenshots per notebook and theme under ``test-artifacts/`` (gitignored) for a
human to look at.

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
# notebooks with a graph and the dashboard in them, and the two whose picture is their own
CHECKED = ["01-cluster-masters-workers.ipynb", "02-apiserver-manifests.ipynb", "03-etcd-raft.ipynb",
           "06-high-availability.ipynb"]
WITH_DASHBOARD = {"01-cluster-masters-workers.ipynb", "06-high-availability.ipynb"}
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
READABLE = 0.7  # a graph is drawn at no less than this share of its natural width

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install playwright "
                               "(and use the system Chromium: apt-get install -y chromium; never `playwright install`)")
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set KUBELAB_CHROMIUM)",
                allow_module_level=True)



LAB_LOG: list[Path] = []  # the running Lab's log, quoted when a run stalls


class Lab(str):
    """The server's URL, knowing its theme."""

    def __new__(cls, url: str, theme: str):
        self = super().__new__(cls, url)
        self.theme = theme
        return self


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=list(THEMES))
def lab(request, tmp_path_factory):
    """JupyterLab serving a copy of the workshop, in its own process group, in one theme
    (``lab.theme``): one server per theme, each notebook runs under both."""
    theme = request.param
    base = tmp_path_factory.mktemp(f"lab-{theme}")
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
    # the theme, as the Settings menu would keep it
    (apputils / "themes.jupyterlab-settings").write_text(json.dumps({"theme": THEMES[theme]}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "ws"))
    # the kernels import kubelab from this checkout (not whichever one is installed)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
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
        yield Lab(url, theme)
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


# every graph on screen, with the width it is drawn at and its natural width: an <img> of an
# SVG (naturalWidth), or an inline <svg> (its width attribute, in px or pt, else its viewBox)
GRAPH_WIDTHS = """() => {
  const visible = el => el.offsetParent !== null && el.getBoundingClientRect().width > 0;
  const out = [];
  for (const i of document.querySelectorAll('.jp-Notebook img')) {
    if (!(i.getAttribute('src') || '').startsWith('data:image/svg+xml') || !visible(i)) continue;
    out.push({what: 'img.' + (i.className || 'output'), drawn: i.getBoundingClientRect().width, natural: i.naturalWidth});
  }
  for (const s of document.querySelectorAll('.jp-Notebook .jp-OutputArea-output svg')) {
    if (!visible(s) || (s.parentElement && s.parentElement.closest('svg')) || s.closest('button')) continue;
    const w = s.getAttribute('width') || '';
    let natural = parseFloat(w) * (w.endsWith('pt') ? 4 / 3 : 1);
    if (!natural && s.viewBox && s.viewBox.baseVal) natural = s.viewBox.baseVal.width;
    if (!natural || natural < 100) continue;  // icons, not graphs
    const cls = (s.closest('[class^="kl-"],[class*=" kl-"]') || {}).className || 'inline';
    out.push({what: 'svg in ' + cls, drawn: s.getBoundingClientRect().width, natural});
  }
  return out;
}"""

THEME_IS_LIGHT = "() => document.body.dataset.jpThemeLight"

ERRORED = "document.querySelector(\".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']\") !== null"

PROMPTS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
  .map(p => p.textContent.trim())"""


def _accept_kernel_dialog(page) -> None:
    """On a loaded machine Lab may ask which kernel to start (its kernel specs came late):
    answer with the one it proposes (the notebook's own, Python 3)."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count():
        dialog.locator("button.jp-mod-accept").click()
        dialog.wait_for(state="detached", timeout=30_000)


def _run_all(page) -> None:
    """Run every cell and wait until each has its execution count.

    A run-all sent while the kernel is still connecting can be dropped by Lab (seen on a
    slow CI machine: every prompt stayed ``[ ]``). So: ask, and if no cell starts within
    30 s, ask again (at most three times); then give a slow machine five minutes.
    """
    started = "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]" \
              ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
    for attempt in range(3):
        _accept_kernel_dialog(page)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(started, polling=250, timeout=30_000)
            break
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")  # close the menu if it is still open
    try:
        page.wait_for_function(f"() => ({ALL_DONE})() || {ERRORED}", polling=500, timeout=300_000)
    except sync_api.TimeoutError:
        log = LAB_LOG[0].read_text()[-3000:] if LAB_LOG else ""
        raise AssertionError(f"not every cell ran; prompts: {page.evaluate(PROMPTS)}\nlab log:\n{log}") from None
    # run-all stops at a cell that raised: say which, with its traceback
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def _topology_text(dash) -> str:
    """What the dashboard's topology picture says (its alt text is the graph's text view)."""
    return dash.locator("img.kl-topology").first.get_attribute("alt") or ""


def _click_and_wait(page, dash, button: str, until: str, arg) -> None:
    """Click a dashboard button, then wait (through the kernel) until ``until(dash, arg)``."""
    dash.locator("button", has_text=button).first.click()
    page.wait_for_function(until, arg=[dash.element_handle(), arg], polling=250, timeout=30_000)


MESSAGE_HAS = """([el, text]) => [...el.querySelectorAll('.widget-html-content')].some(h => h.innerText.includes(text))"""
TOPOLOGY_HAS = """([el, text]) => { const i = el.querySelector('img.kl-topology');
  return i !== null && (i.getAttribute('alt') || '').includes(text); }"""
TOPOLOGY_LACKS = """([el, text]) => { const i = el.querySelector('img.kl-topology');
  return i !== null && !(i.getAttribute('alt') || '').includes(text); }"""
MACHINE_OFF = """([el, name]) => { const i = el.querySelector('img.kl-topology');
  return i !== null && (i.getAttribute('alt') || '').split('\\n')
    .some(l => l.trim().startsWith(name + ' ') && l.includes('(powered off)')); }"""
FORKED = """([el, text]) => [...el.querySelectorAll('.kubelab-dashboard')].some(d => d.innerText.includes(text))"""


def _check_dashboard(page, stem: str, theme: str) -> None:
    """Step, Stop, Cut, Heal all and Fork here on the notebook's (last top-level) dashboard."""
    dashboards = page.locator(".kubelab-dashboard")
    dashboards.last.wait_for(state="visible", timeout=30_000)
    dash = dashboards.nth(dashboards.count() - 1)  # forks appear inside it, later in the DOM
    assert dash.locator(".widget-play, .jupyter-widget-play").count() >= 1 or dash.locator("button").count() >= 5
    clock = dash.locator(".widget-html-content").first
    before = clock.inner_text()
    dash.locator("button", has_text="Step").click()
    page.wait_for_function("([el, before]) => el.innerText !== before", arg=[clock.element_handle(), before],
                           polling=250, timeout=30_000)
    assert clock.inner_text() != before

    # Stop: the machine selected (a worker, by default) is powered off, said and drawn
    machine = dash.locator("select").nth(1).input_value()  # Speed is the first dropdown, Machine the second
    assert not page.evaluate(MACHINE_OFF, [dash.element_handle(), machine])
    _click_and_wait(page, dash, "Stop", MESSAGE_HAS, f"stopped worker {machine}")
    page.wait_for_function(MACHINE_OFF, arg=[dash.element_handle(), machine], polling=250, timeout=30_000)
    dash.scroll_into_view_if_needed()
    dash.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-dashboard-stopped.png"))

    # Cut: the link between the two hosts selected is drawn cut; Heal all takes it away
    link_a = dash.locator("select").nth(2).input_value()
    link_b = dash.locator("select").nth(3).input_value()
    _click_and_wait(page, dash, "Cut", MESSAGE_HAS, f"cut the link {link_a} <-> {link_b}")
    page.wait_for_function(TOPOLOGY_HAS, arg=[dash.element_handle(), "cut links: "], polling=250, timeout=30_000)
    assert f"{min(link_a, link_b)} <-> {max(link_a, link_b)}" in _topology_text(dash) or \
        f"{link_a} <-> {link_b}" in _topology_text(dash)
    dash.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-dashboard-cut.png"))
    _click_and_wait(page, dash, "Heal all", MESSAGE_HAS, "healed ")
    page.wait_for_function(TOPOLOGY_LACKS, arg=[dash.element_handle(), "cut links: "], polling=250, timeout=30_000)

    # Fork here: a second dashboard, labelled with where it came from
    _click_and_wait(page, dash, "Fork here", MESSAGE_HAS, "fork of ")
    page.wait_for_function(FORKED, arg=[dash.element_handle(), "fork of "], polling=250, timeout=60_000)
    fork = dash.locator(".kubelab-dashboard").first
    label = fork.locator(".widget-html-content").first.inner_text()
    assert label.startswith("fork of seed=") and " at t=" in label, label
    fork.scroll_into_view_if_needed()
    fork.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-fork.png"))


@pytest.mark.parametrize("name", CHECKED)
def test_notebook_runs_in_jupyterlab(lab, browser, name):
    ARTIFACTS.mkdir(exist_ok=True)
    stem, theme = Path(name).stem, lab.theme
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        # a workspace of its own: only this notebook is open
        page.goto(f"{lab}/lab/workspaces/{stem}/tree/{name}?reset", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # the theme asked for is the one Lab shows
        assert page.evaluate(THEME_IS_LIGHT) == ("true" if theme == "light" else "false")
        # the kernel must be up before run-all (it reports idle slightly before it is ready)
        page.wait_for_timeout(2000)
        _accept_kernel_dialog(page)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.wait_for_timeout(1000)
        _run_all(page)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.wait_for_timeout(1500)  # let the last outputs and widget views render
        page.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-full.png"), full_page=True)

        text = page.inner_text(".jp-Notebook")
        assert "Error displaying widget" not in text
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0, errors.first.inner_text()[:2000]

        # graphs: SVG shown as <img>, decoded
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook img')].every(i => i.complete)",
            polling=250, timeout=30_000)
        images = page.evaluate(IMAGES)
        # 03's pictures are HTML (the etcd card, the Raft timeline as inline SVG); the others draw Graphviz
        assert images or name.startswith("03-"), "no SVG graph found in the notebook"
        assert all(i["w"] > 0 and i["h"] > 0 for i in images), images
        if name in WITH_DASHBOARD:
            assert any(i["cls"] == "kl-topology" for i in images), "the dashboard's topology picture is missing"
            # the cluster's own cell output: HTML with the topology as inline SVG
            inline = page.locator(".jp-OutputArea-output svg").first
            inline.scroll_into_view_if_needed()
            box = inline.bounding_box()
            assert box and box["width"] > 50 and box["height"] > 50, box
            inline.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-graph.png"))
        if name.startswith("02-"):
            # the path of one request: the Graphviz picture of the Deployment's POST
            path = page.locator(".jp-OutputArea-output img[src^='data:image/svg+xml']").first
            path.scroll_into_view_if_needed()
            src = path.get_attribute("src")
            assert path.bounding_box()["height"] > 300
            path.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-request-path.png"))
            assert "request_path" in page.inner_text(".jp-Notebook") and src
        if name.startswith("03-"):
            timeline = page.locator(".kl-raft-timeline svg").first
            timeline.scroll_into_view_if_needed()
            box = timeline.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 150, box
            assert "elected at" in timeline.text_content()  # an SVG element has text, not innerText
            timeline.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-raft-timeline.png"))

        # readable: no graph squeezed below 70 % of its natural width at this window size
        widths = page.evaluate(GRAPH_WIDTHS)
        assert widths, "no graph measured"
        squeezed = [w for w in widths if w["drawn"] < READABLE * w["natural"] - 1]
        assert not squeezed, f"graphs drawn too small to read: {squeezed}"

        if name in WITH_DASHBOARD:
            _check_dashboard(page, stem, theme)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-{theme}-failure.png"), full_page=True)
        (ARTIFACTS / f"{stem}-{theme}-console.log").write_text("\n".join(console))
        raise
    finally:
        page.close()
