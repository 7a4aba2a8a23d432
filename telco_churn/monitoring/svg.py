"""Small inline SVG charts (no script, no external file): lines over windows, paired bars."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 560, 220, 40
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


def _scale(lo: float, hi: float, size: float, flip: bool = False):
    span = (hi - lo) or 1.0
    return (lambda v: PAD + size * (1 - (v - lo) / span)) if flip else (lambda v: PAD + size * (v - lo) / span)


def line_chart(title: str, x_labels: list[str], series: dict[str, list[float | None]],
               threshold: float | None = None) -> str:
    """One line per series over the x labels; a dashed red line at the threshold."""
    values = [v for ys in series.values() for v in ys if v is not None] + ([threshold] if threshold is not None else [])
    lo, hi = min(values + [0.0]), max(values + [1e-9])
    inner_w, inner_h = WIDTH - 2 * PAD - 120, HEIGHT - 2 * PAD
    x = (lambda i: PAD + inner_w * i / max(len(x_labels) - 1, 1))
    y = _scale(lo, hi, inner_h, flip=True)
    parts = [f'<text x="{PAD}" y="20" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{PAD}" y1="{PAD + inner_h}" x2="{PAD + inner_w}" y2="{PAD + inner_h}" stroke="#999"/>',
             f'<text x="4" y="{y(hi) + 4:.1f}" font-size="10">{hi:.3g}</text>',
             f'<text x="4" y="{y(lo) + 4:.1f}" font-size="10">{lo:.3g}</text>']
    step = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{PAD + inner_h + 14}" font-size="9" text-anchor="middle">{escape(label)}</text>')
    if threshold is not None:
        parts.append(f'<line x1="{PAD}" y1="{y(threshold):.1f}" x2="{PAD + inner_w}" y2="{y(threshold):.1f}" '
                     f'stroke="red" stroke-dasharray="5,4"/><text x="{PAD + inner_w - 70}" y="{y(threshold) - 4:.1f}" '
                     f'font-size="10" fill="red">threshold {threshold:g}</text>')
    for k, (name, ys) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(ys) if v is not None]
        if len(points) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                         + " ".join(f"{a:.1f},{b:.1f}" for a, b in points) + '"/>')
        parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>' for a, b in points]
        parts.append(f'<text x="{PAD + inner_w + 8}" y="{PAD + 12 * k + 8}" font-size="10" fill="{colour}">{escape(name[:22])}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">{"".join(parts)}</svg>'


def paired_bars(title: str, labels: list[str], baseline: list[float], latest: list[float]) -> str:
    """Shares per bin: the baseline's (grey) beside the latest window's (blue)."""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    hi = max(baseline + latest + [1e-9])
    slot = inner_w / max(len(labels), 1)
    parts = [f'<text x="{PAD}" y="20" font-weight="bold">{escape(title)}</text>',
             f'<text x="{WIDTH - 190}" y="20" font-size="10"><tspan fill="#999">&#9632; baseline</tspan> '
             f'<tspan fill="#1f77b4">&#9632; latest window</tspan></text>']
    for i, (label, b, l) in enumerate(zip(labels, baseline, latest)):
        x0 = PAD + i * slot
        for j, (share, colour) in enumerate(((b, "#999"), (l, "#1f77b4"))):
            h = inner_h * share / hi
            parts.append(f'<rect x="{x0 + j * slot * 0.42 + slot * 0.08:.1f}" y="{PAD + inner_h - h:.1f}" '
                         f'width="{slot * 0.4:.1f}" height="{h:.1f}" fill="{colour}"/>')
        parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{PAD + inner_h + 12}" font-size="8" text-anchor="middle">{escape(label[:10])}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">{"".join(parts)}</svg>'
