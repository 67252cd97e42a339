"""Drawing the coverage map as CSV, SVG and PNG (the page itself is a template)."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from engagement.selectors.watch import Coverage

COLOURS = {"engaged": "#1b7f3b", "pipeline": "#e3a008", "absent": "#e5e7eb"}
GAP_OUTLINE = "#c62828"
CELL, LABEL_W, HEAD_H = 34, 90, 40


def coverage_csv(coverage: Coverage) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "initiative",
            "thrust",
            "member_state",
            "coverage",
            "engaged_partnerships",
            "pipeline_partnerships",
            "implementation_status",
            "status_effective_on",
            "gap",
        ]
    )
    for row in coverage.rows:
        for c in row.cells:
            writer.writerow(
                [
                    c.initiative.code,
                    c.initiative.thrust.code,
                    c.state.iso2,
                    c.bucket,
                    c.engaged,
                    c.pipeline,
                    c.status.status if c.status else "",
                    c.status.effective_on.isoformat() if c.status else "",
                    "yes" if c.gap else "",
                ]
            )
    return "\ufeff" + out.getvalue()  # BOM: Excel in Japan opens UTF-8 correctly


def coverage_svg(coverage: Coverage) -> str:
    width = LABEL_W + CELL * len(coverage.states) + 10
    height = HEAD_H + CELL * len(coverage.rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="Coverage map">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for j, state in enumerate(coverage.states):
        x = LABEL_W + j * CELL + CELL / 2
        parts.append(
            f'<text x="{x}" y="{HEAD_H - 10}" text-anchor="middle">{escape(state.iso2)}</text>'
        )
    for i, row in enumerate(coverage.rows):
        y = HEAD_H + i * CELL
        parts.append(f'<text x="4" y="{y + CELL / 2 + 4}">{escape(row.initiative.code)}</text>')
        for j, c in enumerate(row.cells):
            x = LABEL_W + j * CELL
            stroke = f' stroke="{GAP_OUTLINE}" stroke-width="3"' if c.gap else ""
            title = f"{c.initiative.code} {c.state.iso2}: {c.bucket}"
            if c.status:
                title += f", {c.status.status} since {c.status.effective_on}"
            parts.append(
                f'<rect x="{x + 2}" y="{y + 2}" width="{CELL - 4}" height="{CELL - 4}" '
                f'fill="{COLOURS[c.bucket]}"{stroke}><title>{escape(title)}</title></rect>'
            )
            if c.engaged or c.pipeline:
                parts.append(
                    f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 4}" '
                    f'text-anchor="middle" fill="white">{c.engaged + c.pipeline}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def coverage_png(coverage: Coverage) -> bytes:
    width = LABEL_W + CELL * len(coverage.states) + 10
    height = HEAD_H + CELL * len(coverage.rows) + 10
    image = Image.new("RGB", (width, max(height, HEAD_H + 10)), "white")
    draw = ImageDraw.Draw(image)
    for j, state in enumerate(coverage.states):
        draw.text((LABEL_W + j * CELL + 9, HEAD_H - 22), state.iso2, fill="black")
    for i, row in enumerate(coverage.rows):
        y = HEAD_H + i * CELL
        draw.text((4, y + CELL / 2 - 6), row.initiative.code, fill="black")
        for j, c in enumerate(row.cells):
            x = LABEL_W + j * CELL
            box = (x + 2, y + 2, x + CELL - 3, y + CELL - 3)
            draw.rectangle(
                box,
                fill=COLOURS[c.bucket],
                outline=GAP_OUTLINE if c.gap else None,
                width=3 if c.gap else 0,
            )
            if c.engaged or c.pipeline:
                draw.text(
                    (x + CELL / 2 - 3, y + CELL / 2 - 6), str(c.engaged + c.pipeline), fill="white"
                )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
