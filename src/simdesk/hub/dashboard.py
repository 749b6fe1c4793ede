"""The programme dashboard: server-rendered pages with SVG charts, no script.

Progress by site and by cohort over time, miss rates by case and by rubric item, and when each
device was last seen. Any cell that rests on fewer than :data:`K_MIN` learners is suppressed
(shown as "fewer than 5 learners"), so no small group can be singled out. Admins sign in with a
key and secret from ``simdesk hub credentials``; the session cookie is signed with the secret's
hash, so revoking the credentials ends it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from simdesk.core.sync.statements import ADL, CASE_IRI, EXT
from simdesk.hub import db

K_MIN = 5
COOKIE = "simdesk_admin"
SESSION_S = 8 * 3600
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)
PALETTE = ["#1f6feb", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#0b7285", "#5c940d"]


@dataclass(frozen=True)
class Cell:
    value: float | None  # None: suppressed
    learners: int


def _sign(secret_hash: str, key: str, expires: int) -> str:
    mac = hmac.new(secret_hash.encode(), f"{key}.{expires}".encode(), hashlib.sha256)
    return mac.hexdigest()


# -- queries -------------------------------------------------------------------------------------

SIMDESK = f"s.device IS NOT NULL AND s.body->'object'->>'id' LIKE '{CASE_IRI}%' AND NOT s.voided"
COMPLETED = f"s.verb = '{ADL}completed'"


def progress(conn, by: str, period: str = "month") -> dict[str, dict[str, Cell]]:
    """Mean score of completed attempts per group (site or cohort) and period."""
    rows = conn.execute(
        sa.text(
            f"""
        SELECT d.{by} AS grp,
               to_char(date_trunc(:period, (s.body->>'timestamp')::timestamptz), 'YYYY-MM-DD')
                 AS period,
               avg((s.body->'result'->'score'->>'raw')::float) AS score,
               count(DISTINCT s.body->'actor'->'account'->>'name') AS learners
        FROM statements s JOIN devices d ON d.id = s.device
        WHERE {SIMDESK} AND {COMPLETED}
        GROUP BY 1, 2 ORDER BY 1, 2"""
        ),
        {"period": period},
    )
    out: dict[str, dict[str, Cell]] = {}
    for grp, when, score, learners in rows:
        out.setdefault(grp, {})[when] = Cell(score if learners >= K_MIN else None, learners)
    return out


def miss_rates(conn, by_item: bool) -> list[tuple[str, Cell, int]]:
    """(case, or case / rubric item), missed share, attempts; suppressed under K_MIN learners."""
    label = "case_id || ' / ' || item.key" if by_item else "case_id"
    rows = conn.execute(
        sa.text(
            f"""
        WITH done AS (
          SELECT s.body->'object'->'definition'->'extensions'->>'{EXT}case' AS case_id,
                 s.body->'actor'->'account'->>'name' AS learner,
                 s.body->'result'->'extensions'->'{EXT}rubric' AS rubric
          FROM statements s WHERE {SIMDESK} AND {COMPLETED})
        SELECT {label} AS label,
               avg(CASE WHEN item.value = 'missed' THEN 1.0
                        WHEN item.value = 'partial' THEN 0.5 ELSE 0.0 END) AS missed,
               count(DISTINCT learner) AS learners, count(*) AS n
        FROM done, jsonb_each_text(done.rubric) AS item
        GROUP BY 1 ORDER BY 2 DESC, 1"""
        )
    )
    return [(lbl, Cell(m if n_l >= K_MIN else None, n_l), n) for lbl, m, n_l, n in rows]


def devices_seen(conn) -> list[dict]:
    rows = conn.execute(
        sa.text(
            """
        SELECT d.id, d.site, d.cohort, d.created, d.last_seen, d.revoked,
               (SELECT count(*) FROM statements s WHERE s.device = d.id) AS statements
        FROM devices d ORDER BY d.site, d.last_seen DESC NULLS LAST"""
        )
    )
    return [dict(r._mapping) for r in rows]


# -- charts --------------------------------------------------------------------------------------


def line_chart(series: dict[str, dict[str, Cell]], title: str, width=620, height=260) -> str:
    """An SVG line chart of scores (0-100) over periods; suppressed cells break the line."""
    periods = sorted({p for cells in series.values() for p in cells})
    left, right, top, bottom = 44, 150, 24, 36
    w, h = width - left - right, height - top - bottom
    if not periods:
        return f'<p class="empty">{title}: no completed attempts yet.</p>'

    def x(i: int) -> float:
        return left + (w * i / max(1, len(periods) - 1) if len(periods) > 1 else w / 2)

    def y(v: float) -> float:
        return top + h * (1 - v / 100)

    parts = [
        f'<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left}" y="14" class="title">{title}</text>',
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v}</text>'
        )
    for i, p in enumerate(periods):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 14}" class="axis" text-anchor="middle">'
            f"{p[:7]}</text>"
        )
    shown = {k: v for k, v in series.items() if any(c.value is not None for c in v.values())}
    hidden = len(series) - len(shown)
    if hidden:
        parts.append(
            f'<text x="{left + w + 14}" y="{top + 18 * len(shown) + 12}" class="suppressed">'
            f"+{hidden} with &lt; {K_MIN} learners</text>"
        )
    for n, (name, cells) in enumerate(sorted(shown.items())):
        colour = PALETTE[n % len(PALETTE)]
        run: list[str] = []
        for i, p in enumerate(periods):
            cell = cells.get(p)
            if cell is not None and cell.value is not None:
                run.append(f"{x(i):.1f},{y(cell.value):.1f}")
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(cell.value):.1f}" r="3.5" fill="{colour}">'
                    f"<title>{name} {p[:7]}: {cell.value:.0f} % ({cell.learners} learners)"
                    "</title></circle>"
                )
            else:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" stroke="{colour}"/>')
                run = []
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" stroke="{colour}"/>')
        parts.append(
            f'<rect x="{left + w + 14}" y="{top + 18 * n}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + w + 30}" y="{top + 18 * n + 9}" class="legend">'
            f"{name[:16]}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(rows: list[tuple[str, Cell, int]], title: str, limit: int = 15, width=620) -> str:
    """Horizontal bars of miss rates; suppressed rows say so instead of a bar."""
    rows = rows[:limit]
    if not rows:
        return f'<p class="empty">{title}: no completed attempts yet.</p>'
    label_w, bar_w, row_h = 300, width - 300 - 60, 22
    height = 30 + row_h * len(rows)
    parts = [
        f'<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="14" class="title">{title}</text>',
    ]
    for i, (label, cell, _n) in enumerate(rows):
        top = 26 + i * row_h
        short = label if len(label) <= 46 else label[:45] + "…"
        parts.append(f'<text x="0" y="{top + 14}" class="legend">{short}</text>')
        if cell.value is None:
            parts.append(
                f'<text x="{label_w}" y="{top + 14}" class="suppressed">fewer than {K_MIN} '
                "learners</text>"
            )
            continue
        length = bar_w * cell.value
        parts.append(
            f'<rect x="{label_w}" y="{top + 3}" width="{length:.1f}" height="{row_h - 8}" '
            f'fill="#d9480f"><title>{label}: missed {100 * cell.value:.0f} % '
            f"({cell.learners} learners)</title></rect>"
            f'<text x="{label_w + length + 6:.1f}" y="{top + 14}" class="axis">'
            f"{100 * cell.value:.0f} %</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- routes --------------------------------------------------------------------------------------


def install(app: FastAPI, engine: sa.Engine, authenticate) -> None:
    def admin_of(request: Request) -> str | None:
        token = request.cookies.get(COOKIE, "")
        try:
            key, expires, mac = token.split(".")
            if int(expires) < time.time():
                return None
        except ValueError:
            return None
        with engine.connect() as conn:
            cred = conn.execute(
                sa.select(db.credentials).where(db.credentials.c.key == key)
            ).first()
        if cred is None or cred.revoked is not None:
            return None
        if not hmac.compare_digest(mac, _sign(cred.secret_hash, key, int(expires))):
            return None
        return cred.name

    def page(name: str, **values) -> HTMLResponse:
        return HTMLResponse(TEMPLATES.get_template(name).render(k_min=K_MIN, **values))

    @app.get("/admin/login", response_class=HTMLResponse)
    def login_form() -> HTMLResponse:
        return page("login.html", error="")

    @app.post("/admin/login")
    async def login(request: Request) -> Response:
        form = dict(parse_qsl((await request.body())[:4096].decode(errors="replace")))
        key, secret = form.get("key", "").strip(), form.get("secret", "").strip()
        with engine.connect() as conn:
            cred = conn.execute(
                sa.select(db.credentials).where(db.credentials.c.key == key)
            ).first()
        if cred is None or cred.revoked is not None or cred.secret_hash != db.secret_hash(secret):
            return page("login.html", error="Unknown key or wrong secret.")
        expires = int(time.time()) + SESSION_S
        response = RedirectResponse("/admin/", status_code=303)
        response.set_cookie(
            COOKIE,
            f"{key}.{expires}.{_sign(cred.secret_hash, key, expires)}",
            max_age=SESSION_S,
            secure=True,
            httponly=True,
            samesite="strict",
        )
        return response

    @app.get("/admin/", response_class=HTMLResponse)
    def dashboard(request: Request, period: str = "month") -> Response:
        admin = admin_of(request)
        if admin is None:
            return RedirectResponse("/admin/login", status_code=303)
        period = period if period in ("week", "month") else "month"
        with engine.connect() as conn:
            by_site, by_cohort = progress(conn, "site", period), progress(conn, "cohort", period)
            cases, items = miss_rates(conn, False), miss_rates(conn, True)
            devices = devices_seen(conn)
            totals = conn.execute(
                sa.text(
                    f"SELECT count(*), count(DISTINCT s.body->'actor'->'account'->>'name') "
                    f"FROM statements s WHERE {SIMDESK} AND {COMPLETED}"
                )
            ).one()
        return page(
            "dashboard.html",
            admin=admin,
            period=period,
            attempts=totals[0],
            learners=totals[1],
            site_chart=line_chart(by_site, "Mean score by site (%)"),
            cohort_chart=line_chart(by_cohort, "Mean score by cohort (%)"),
            case_chart=bar_chart(cases, "Rubric items missed, by case"),
            item_chart=bar_chart(items, "Most missed rubric items"),
            by_site=by_site,
            periods=sorted({p for cells in by_site.values() for p in cells}),
            devices=devices,
            now=db.now(),
        )

    @app.post("/admin/enrol-code", response_class=HTMLResponse)
    async def enrol_code(request: Request) -> Response:
        if admin_of(request) is None:
            return RedirectResponse("/admin/login", status_code=303)
        form = dict(parse_qsl((await request.body())[:4096].decode(errors="replace")))
        import json
        import os

        from simdesk.hub.db import Enrolment, HubError, new_enrol_code

        site, cohort = form.get("site", "").strip(), form.get("cohort", "").strip()
        try:
            code = new_enrol_code(engine, site, cohort or time.strftime("%Y-%m"))
        except HubError as exc:
            return page("message.html", title="No code made", text=f"{exc.what} {exc.fix}")
        info_path = os.environ.get("SIMDESK_HUB_INFO")
        info = json.loads(Path(info_path).read_text()) if info_path else {}
        token = Enrolment(info.get("url", ""), info.get("fingerprint", ""), code).token()
        return page(
            "message.html",
            title=f"Enrolment code for {site}",
            text="Valid once, for 72 hours. On the clinic's laptop: Sync page → Enrol, or "
            "`simdesk sync enrol TOKEN`.",
            token=token,
        )

    @app.post("/admin/revoke", response_class=HTMLResponse)
    async def revoke(request: Request) -> Response:
        if admin_of(request) is None:
            return RedirectResponse("/admin/login", status_code=303)
        form = dict(parse_qsl((await request.body())[:4096].decode(errors="replace")))
        done = db.revoke_device(engine, form.get("device", ""))
        return RedirectResponse("/admin/" if done else "/admin/?revoke=none", status_code=303)
