"""One self-contained HTML file (images inline), readable on a phone."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

from ..outputs import write_bytes_atomic
from .common import angle_plot_png, summary_lines, table, table_heading, title

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
padding:1rem;max-width:60rem;margin:auto;color:#222;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{color:#555}.cue{border-left:4px solid #e69f00;padding:.2rem .6rem;margin:.5rem 0}
.cue.safety{border-color:#d55e00}.cue.good{border-color:#009e73}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:right}
img{max-width:100%;height:auto}.thumbs{display:flex;flex-wrap:wrap;gap:.5rem}
.thumbs figure{margin:0;flex:1 1 14rem}small{color:#666}
"""


def render_html(report: dict[str, Any]) -> str:
    """The report as an HTML document."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title(report))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title(report))}</h1><dl>",
    ]
    parts += [
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in summary_lines(report)
    ]
    parts.append("</dl>")
    for w in report.get("warnings", []):
        parts.append(f"<p class='cue safety'>{escape(w['message'])}</p>")
    cues = report.get("summary", {}).get("top_cues") or []
    if cues:
        parts.append("<h2>What to work on</h2>")
        for c in cues:
            severity = escape(c.get("severity", ""))
            parts.append(
                f"<div class='cue {severity}'><b>{escape(c['message'])}"
                f"</b> ({c.get('count', 1)}×)<br>{escape(c.get('explanation', ''))}"
                f"<br><small>Source: {escape(c.get('source') or '-')}</small></div>"
            )
    header, rows = table(report)
    if rows:
        heading = table_heading(report)
        parts.append(f"<h2>{heading}</h2><div class='scroll'><table>")
        parts.append(
            "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
        )
        for row in rows:
            parts.append(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
            )
        parts.append("</table></div>")
    png = angle_plot_png(report)
    if png:
        data = base64.b64encode(png).decode()
        parts.append(
            "<h2>Angles over time</h2>"
            f"<img alt='angle plot' src='data:image/png;base64,{data}'>"
        )
    thumbs = report.get("key_frames") or []
    if thumbs:
        parts.append("<h2>Key frames</h2><div class='thumbs'>")
        for k in thumbs:
            parts.append(
                f"<figure><img alt='{escape(k['label'])}' "
                f"src='data:image/jpeg;base64,{k['jpeg_base64']}'>"
                f"<figcaption>{escape(k['label'])}, {k['t_s']} s</figcaption></figure>"
            )
        parts.append("</div>")
    parts.append(
        f"<p><small>FormCoach {escape(str(report.get('formcoach_version', '')))}"
        " · made offline from report.json</small></p></body></html>"
    )
    return "".join(parts)


def write_html(
    report: dict[str, Any], target: Path, *, overwrite: bool = False
) -> Path:
    """Write the HTML report atomically."""
    write_bytes_atomic(target, render_html(report).encode(), overwrite=overwrite)
    return target
