"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched.

Each function takes plain, already translated labels and numbers and returns markup that is safe
to put in a template: every piece of text is escaped here. Every chart names itself with <title>
and <desc> for screen readers; the pages also show the same figures as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engagement.web.numbers import amount_ja

ACCENT = (11, 92, 173)  # --accent in app.css
PALE = (238, 242, 247)
MUTED = "#8c959f"
LOST = "#b35c4d"


def _num(value: float) -> str:
    """A coordinate, short and locale-independent."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _mix(t: float) -> str:
    """A colour between pale (0) and the accent (1)."""
    t = max(0.0, min(1.0, t))
    r, g, b = (round(p + (a - p) * t) for p, a in zip(PALE, ACCENT, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(text)}</text>'


def _frame(chart_id: str, width: float, height: float, title: str, desc: str, body: list[str]):
    return mark_safe(
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def money(value: Decimal | float | int, currency: str) -> str:
    """A short amount for a chart: 1,500,000,000 JPY reads "JPY 1.5 bn", in Japanese "15億円"."""
    if (get_language() or "en").startswith("ja"):
        return amount_ja(value, currency, short=True)
    v = float(value)
    if abs(v) >= 1e9:
        amount = _("%(amount)s bn") % {"amount": number_format(round(v / 1e9, 1), 1)}
    elif abs(v) >= 1e6:
        amount = _("%(amount)s M") % {"amount": number_format(round(v / 1e6), 0)}
    else:
        amount = number_format(round(v), 0, force_grouping=True)
    return f"{currency} {amount}"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    note: str = ""  # shown after the count (the value)
    href: str = ""
    tone: str = "pipeline"  # pipeline | paused | lost


def funnel_svg(bars: list[Bar], *, chart_id: str, title: str, desc: str) -> SafeString:
    """Stages as centred bars, widest for the most partnerships: a funnel."""
    label_w, bar_w, note_w, row_h = 150.0, 300.0, 190.0, 30.0
    width = label_w + bar_w + note_w
    height = row_h * len(bars) + 8
    top = max((b.count for b in bars), default=0) or 1
    body = []
    pipeline = [b for b in bars if b.tone == "pipeline"]
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        w = max(2.0, bar_w * bar.count / top) if bar.count else 0.0
        x = label_w + (bar_w - w) / 2
        if bar.tone == "pipeline":
            step = pipeline.index(bar) / max(1, len(pipeline) - 1)
            fill = _mix(0.45 + 0.55 * step)
        else:
            fill = LOST if bar.tone == "lost" else MUTED
        row = [
            _text(label_w - 8, y + row_h / 2 + 4, bar.label, text_anchor="end", fill="#1b1f24"),
            f'<rect x="{_num(label_w)}" y="{_num(y + 2)}" width="{_num(bar_w)}" '
            f'height="{_num(row_h - 6)}" fill="#f6f8fa"/>',
        ]
        if w:
            row.append(
                f'<rect x="{_num(x)}" y="{_num(y + 2)}" width="{_num(w)}" '
                f'height="{_num(row_h - 6)}" rx="3" fill="{fill}"/>'
            )
        note = f"{bar.count}" + (f" · {bar.note}" if bar.note else "")
        row.append(_text(label_w + bar_w + 10, y + row_h / 2 + 4, note, fill="#1b1f24"))
        content = "".join(row)
        if bar.href:
            content = (
                f'<a href="{escape(bar.href)}" aria-label="{escape(bar.label)}: {escape(note)}">'
                f"{content}</a>"
            )
        body.append(f"<g>{content}</g>")
    return _frame(chart_id, width, height, title, desc, body)


@dataclass(frozen=True)
class Cell:
    count: int
    href: str = ""
    label: str = ""  # the full names, for the tooltip and screen readers


def heatmap_svg(
    rows: list[tuple[str, str]],
    columns: list[tuple[str, str]],
    cells: list[list[Cell]],
    *,
    chart_id: str,
    title: str,
    desc: str,
) -> SafeString:
    """`rows` and `columns` are (short label, full name); cells[r][c] their counts."""
    label_w, head_h, cell_w, cell_h, gap = 56.0, 26.0, 46.0, 34.0, 3.0
    width = label_w + len(columns) * cell_w + 4
    height = head_h + len(rows) * cell_h + 4
    top = max((c.count for row in cells for c in row), default=0) or 1
    body = []
    for j, (short, full) in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        body.append(
            f"<g>{_text(x, head_h - 9, short, text_anchor='middle', fill='#4d5560')}"
            f"<title>{escape(full)}</title></g>"
        )
    for i, (short, full) in enumerate(rows):
        y = head_h + i * cell_h
        body.append(
            f"<g>{_text(label_w - 8, y + cell_h / 2 + 4, short, text_anchor='end')}"
            f"<title>{escape(full)}</title></g>"
        )
        for j, cell in enumerate(cells[i]):
            x = label_w + j * cell_w
            t = cell.count / top
            fill = _mix(0.15 + 0.85 * t) if cell.count else "#f6f8fa"
            ink = "#ffffff" if cell.count and t > 0.5 else "#1b1f24"
            content = (
                f'<rect x="{_num(x + gap / 2)}" y="{_num(y + gap / 2)}" '
                f'width="{_num(cell_w - gap)}" height="{_num(cell_h - gap)}" rx="3" '
                f'fill="{fill}"/>'
                + _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 4,
                    str(cell.count) if cell.count else "·",
                    text_anchor="middle",
                    fill=ink if cell.count else "#8c959f",
                )
                + f"<title>{escape(cell.label)}: {cell.count}</title>"
            )
            if cell.href and cell.count:
                content = (
                    f'<a href="{escape(cell.href)}" aria-label="{escape(cell.label)}: '
                    f'{cell.count}">{content}</a>'
                )
            body.append(f"<g>{content}</g>")
    return _frame(chart_id, width, height, title, desc, body)


def columns_svg(
    points: list[tuple[str, int, str]], *, chart_id: str, title: str, desc: str
) -> SafeString:
    """Vertical bars: (axis label, count, full label) per column, oldest first."""
    left, bottom, top_pad, col_w, plot_h = 30.0, 34.0, 20.0, 50.0, 140.0
    width = left + len(points) * col_w + 6
    height = top_pad + plot_h + bottom
    top = max((n for _label, n, _full in points), default=0) or 1
    base = top_pad + plot_h
    body = [
        f'<line x1="{_num(left)}" y1="{_num(base)}" x2="{_num(width - 4)}" y2="{_num(base)}" '
        f'stroke="#d0d7de"/>'
    ]
    for k, (label, n, full) in enumerate(points):
        x = left + k * col_w
        h = plot_h * n / top
        last = k == len(points) - 1
        fill = _mix(1.0 if last else 0.65)
        bar = (
            f'<rect x="{_num(x + 8)}" y="{_num(base - h)}" width="{_num(col_w - 16)}" '
            f'height="{_num(h)}" rx="2" fill="{fill}"/>'
            if n
            else ""
        )
        body.append(
            f"<g>{bar}"
            + _text(x + col_w / 2, base - h - 5, str(n), text_anchor="middle", fill="#1b1f24")
            + _text(x + col_w / 2, base + 18, label, text_anchor="middle", fill="#4d5560")
            + f"<title>{escape(full)}: {n}</title></g>"
        )
    return _frame(chart_id, width, height, title, desc, body)
