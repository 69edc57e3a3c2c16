"""The page: one self-contained HTML file with plotly.js, the data and the script inlined once.

Nothing is loaded from anywhere: plotly.js comes from the installed plotly
wheel (``plotly.offline.get_plotlyjs``), the study's figures and the run
index are JSON blocks, and each run's data is a compressed block read only
when the run is picked. Script errors are written into ``#errors`` (and the
console), so a test, or a reader, sees them on the page.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;margin:0 1.5em 2em;color:#222}
nav{position:sticky;top:0;background:#fff;padding:.6em 0;border-bottom:1px solid #ddd;z-index:10}
nav a{margin-right:1.2em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.figs{display:flex;flex-wrap:wrap;gap:8px}
.hb-view{flex:0 0 calc(50% - 4px);min-width:420px}.hb-view.wide{flex-basis:100%}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}td,th{border:1px solid #ddd;padding:2px 6px}
caption{text-align:left;font-size:.9em;color:#555;padding:.3em 0}
.cell a{display:inline-block;width:11px;height:11px;margin:1px;border-radius:2px}
.finished{background:#009E73}.interrupted{background:#E69F00}.failed{background:#D55E00}.missing{background:#ccc}
#errors{color:#b00;white-space:pre-wrap}#errors:empty{display:none}
.problems{font-size:.85em}
"""

ERRORS = """
function reportError(text){var e=document.getElementById('errors');if(e){e.textContent+=text+'\\n';}
console.error(text);}
window.onerror=function(message,source,line,column,error){reportError(message+' (line '+line+')');};
window.addEventListener('unhandledrejection',function(e){reportError('unhandled: '+e.reason);});
"""


def json_block(element_id: str, data: Any) -> str:
    """A ``<script type="application/json">`` holding ``data``; ``</`` escaped so it cannot end the block."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def render(title: str, body: str, blocks: list[str]) -> str:
    """The whole page: head with plotly.js, ``body`` (HTML), the data ``blocks``, then the app script."""
    from plotly.offline import get_plotlyjs

    app = files("hpobench.analysis.html").joinpath("app.js").read_text(encoding="utf-8")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>",
        f"<script>{ERRORS}</script>\n<script>{get_plotlyjs()}</script>\n</head><body>",
        '<div id="errors"></div><div id="usable-ms" hidden></div><div id="ready-ms" hidden></div>', body, *blocks,
        f"<script>{app}</script></body></html>\n",
    ])


def template() -> dict:
    """Plotly's white template, embedded once and applied to every figure by the page."""
    import plotly.io as pio

    return pio.templates["plotly_white"].to_plotly_json()
