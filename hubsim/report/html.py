"""Small HTML building blocks for the self-contained report: every text is escaped here."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

CSS = """
:root { --ink: #1f1f1f; --muted: #5f5f5f; --rule: #d9d9d9; --accent: #0072B2;
        --flag: #fff3c4; --flag-edge: #E69F00; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: var(--ink); line-height: 1.5; margin: 0 auto; max-width: 62rem;
       padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem;
     margin-top: 2.5rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
.subtitle, .note, figcaption { color: var(--muted); }
nav ol { columns: 2; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; overflow-wrap: break-word; }
th { font-size: 0.85rem; }
table.wide { font-size: 0.82rem; }
table.wide th, table.wide td { padding: 0.25rem 0.35rem; }
td.long { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.assumption td { background: var(--flag); }
tr.assumption td:first-child { border-left: 4px solid var(--flag-edge); }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 0.6rem; font-size: 0.8rem;
         background: #eee; overflow-wrap: normal; }
.badge.assumption { background: var(--flag-edge); color: black; }
.badge.overridden { background: var(--accent); color: white; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
pre, code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.88rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; }
ul.results li { margin-bottom: 0.35rem; }
@media print { nav { display: none; } h2 { page-break-after: avoid; } }
"""
# Blocks every network request: the report must open, and look the same, offline.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(value: object) -> str:
    """``value`` as HTML-escaped text."""
    return html.escape(str(value), quote=True)


def breakable(value: object) -> str:
    """``value`` escaped, with a line-break opportunity after each ``_`` and ``.``, so long
    identifiers (``screen_functioning_pct``, ``population.risk_factors.x``) wrap in a table."""
    return esc(value).replace("_", "_<wbr>").replace(".", ".<wbr>")


def para(text: str, cls: str | None = None) -> str:
    """A paragraph of escaped ``text``."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def bullets(items: Iterable[str], cls: str | None = None) -> str:
    """An unordered list of escaped items."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]],
    row_classes: Sequence[str] | None = None, numeric: Sequence[int] = (), cls: str = "",
) -> str:
    """A table of escaped cells; ``numeric`` column indexes are right-aligned; ``cls`` is the
    table's class (``wide``: smaller type for many columns)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        row_cls = f' class="{esc(row_classes[i])}"' if row_classes and row_classes[i] else ""
        cells = "".join(
            f'<td class="num">{esc(c)}</td>' if j in numeric else f"<td>{breakable(c)}</td>"
            for j, c in enumerate(row)
        )
        body.append(f"<tr{row_cls}>{cells}</tr>")
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(png: bytes, alt: str, caption: str) -> str:
    """A figure with the PNG embedded as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def section(anchor: str, title: str, body: str) -> str:
    """A numbered report section (``body`` is already HTML)."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: ``sections`` are (anchor, title, body HTML)."""
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1>{para(subtitle, 'subtitle')}</header>"
        f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>{body}</body></html>\n"
    )
