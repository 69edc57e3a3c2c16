"""The interactive report of a small real study, opened in headless Chromium.

Every figure must hold plotly's SVG after the scripts ran, with no script
error on the page or in the console, and the page must load nothing from
anywhere (the network is cut through a dead proxy). Screenshots of the study
page and of a run page are kept under ``$HPOBENCH_ARTEFACTS`` (or the test's
temporary folder), not committed.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                    "(apt-get install chromium; .ci/run installs it)")


def _hpobench(*args: str, cwd: Path = REPO) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A multirun (random and Hyperband on mfh3, two seeds, two workers) and one PBT run, analysed."""
    root = tmp_path_factory.mktemp("results")
    _hpobench("hpobench", "method=pbt", "task=pbt_toy", "seed=0", "study=pbt", f"results_dir={root}")
    printed = _hpobench("hpobench", "-m", "method=random,hyperband", "task=mfh3", "seed=0,1", "budget.evals=30",
                        "workers=2", "study=demo", f"results_dir={root}")
    assert str(root / "analysis" / "demo" / "report.html") in printed  # the multirun's callback writes it
    assert "report.html" in _hpobench("hpobench.analysis", str(root / "pbt"), "--html")
    return root


def _chromium(url: str, profile: Path, *extra: str) -> tuple[str, str]:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # offline: any request fails
               "--enable-unsafe-swiftshader", "--virtual-time-budget=20000", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return done.stdout, done.stderr


def _check_rendered(dom: str, log: str, at_least: int) -> int:
    """Every figure container holds plotly's SVG; no error on the page or in the console. Returns the count."""
    assert 'id="ready-ms"' in dom and "<title>ready</title>" in dom, "the page never finished drawing"
    errors = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
    assert errors and errors.group(1).strip() == "", errors and errors.group(1)
    # the browser relays its own software-WebGL notes (parallel coordinates use WebGL) as console lines
    console = [line for line in log.splitlines()
               if ":CONSOLE" in line and "WebGL" not in line and "hpobench-ready" not in line]
    assert console == []
    plots = re.split(r'<div class="hb-view[ "]', dom)[1:]
    assert len(plots) >= at_least
    for plot in plots:
        assert 'class="main-svg"' in plot.split('<div class="hb-view', 1)[0], plot[:300]
    return len(plots)


@needs_chromium
def test_the_page_loads_nothing_from_anywhere(results):
    from plotly.offline import get_plotlyjs

    text = (results / "analysis" / "demo" / "report.html").read_text()
    assert text.count(get_plotlyjs()[:500]) == 1  # plotly.js inlined once
    for pattern in (r"<script[^>]*\ssrc\s*=", r"<link[^>]*\shref\s*=", r"<img[^>]*\ssrc\s*=", r"<iframe"):
        assert not re.search(pattern, text, re.I), pattern
    for style in re.findall(r"<style>(.*?)</style>", text, re.S):
        assert "url(" not in style
    app = (REPO / "hpobench" / "analysis" / "html" / "app.js").read_text()
    assert "fetch(" not in app and "XMLHttpRequest" not in app and "import(" not in app


@needs_chromium
def test_every_figure_renders_without_errors(results, tmp_path):
    page = (results / "analysis" / "demo" / "report.html").as_uri()
    dom, log = _chromium(page, tmp_path / "p1", "--dump-dom")
    # mfh3: curves by evaluations, fidelity, simulated and wall time; four rank panels; the cost view
    assert _check_rendered(dom, log, 9) == 9
    assert "mfh3: regret by fidelity used" in dom and "hyperband" in dom
    # run 0 is mfh3 / hyperband / seed 0: history, parallel coordinates, timeline, importance, 3 slices
    dom, log = _chromium(page + "#run=0", tmp_path / "p2", "--dump-dom")
    assert _check_rendered(dom, log, 7) == 7
    assert "trials by worker over simulated time" in dom and "importance (PED-ANOVA)" in dom
    pbt = (results / "analysis" / "pbt" / "report.html").as_uri() + "#run=0"
    dom, log = _chromium(pbt, tmp_path / "p3", "--dump-dom")
    _check_rendered(dom, log, 6)
    assert "PBT schedules: h0" in dom and "surviving lineages" in dom


@needs_chromium
def test_screenshots_of_the_study_and_a_run(results, tmp_path):
    from matplotlib.image import imread

    where = Path(os.environ.get("HPOBENCH_ARTEFACTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    page = (results / "analysis" / "demo" / "report.html").as_uri()
    for name, url in (("report-study.png", page), ("report-run.png", page + "#run=0")):
        shot = where / name
        _chromium(url, tmp_path / f"profile-{name}", f"--screenshot={shot}", "--window-size=1400,1000",
                  "--hide-scrollbars")
        image = imread(shot)
        assert image.shape[:2] == (1000, 1400)
        assert image[..., :3].std() > 0.05  # drawn, not a blank page
