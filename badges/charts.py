"""A small bar chart drawn on the server as SVG: no script, no outside library, readable without colour.

`weekly_bars` turns (week, count) pairs into the coordinates the template `badges/_weekly_chart.html`
draws; the template escapes every label.
"""

from datetime import date

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… at least `value` (at least 1), for the top of the axis."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def weekly_bars(weeks: list[tuple[date, int]]) -> dict:
    top = nice_ceiling(max((n for _week, n in weeks), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(weeks), 1)
    bars, labels = [], []
    previous_month = None
    for index, (week, n) in enumerate(weeks):
        height = round(plot_height * n / top, 1)
        x = round(LEFT + index * slot + slot * 0.15, 1)
        bars.append(
            {"x": x, "y": round(TOP + plot_height - height, 1), "width": round(slot * 0.7, 1), "height": height,
             "week": week, "count": n}
        )  # fmt: skip
        if week.month != previous_month:
            labels.append({"x": x, "week": week})
            previous_month = week.month
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "top": top,
        "axis_x": LEFT,
        "axis_y": TOP + plot_height,
        "axis_right": WIDTH - RIGHT,
        "top_y": TOP,
        "label_y": HEIGHT - 8,
        "total": sum(n for _week, n in weeks),
    }
