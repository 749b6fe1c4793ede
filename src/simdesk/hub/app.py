"""The hub's web application: the xAPI resources under ``/xapi/``, enrolment, the dashboard.

Every request is bounded: bodies over :data:`MAX_BODY` (also after gzip is undone) get 413,
malformed ones 400, unauthenticated ones 401, a revoked device 403; none of them can crash the
worker. Statements arrive gzip-compressed from simdesk devices and plain from other clients.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import zlib
from pathlib import Path
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from simdesk.hub import db, lrs
from simdesk.hub.lrs import XError, XRequest, XResponse

MAX_BODY = 8 * 1024 * 1024
ALT_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]


class Caller:
    def __init__(self, kind: str, ident: str, site: str = "") -> None:
        self.kind, self.ident, self.site = kind, ident, site


def create_app(engine: sa.Engine, *, home: str = "https://simdesk.hub") -> FastAPI:
    app = FastAPI(title="simdesk hub", docs_url=None, redoc_url=None, openapi_url=None)
    statements, documents = lrs.Statements(engine), lrs.Documents(engine)
    seen: dict[str, float] = {}

    def authenticate(header: str | None) -> Caller:
        if not header or not header.lower().startswith("basic "):
            raise XError(401, "authentication is required (HTTP Basic)")
        try:
            key, _, secret = (
                base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise XError(401, "the Authorization header is malformed") from exc
        hashed = db.secret_hash(secret)
        with engine.connect() as conn:
            device = conn.execute(sa.select(db.devices).where(db.devices.c.key == key)).first()
            if device is not None and device.secret_hash == hashed:
                if device.revoked is not None:
                    raise XError(
                        403,
                        "this device's credentials were revoked by the hub admin; "
                        "enrol again with a new code",
                    )
                if time.monotonic() - seen.get(device.id, -1e9) > 30:
                    seen[device.id] = time.monotonic()
                    with engine.begin() as w:
                        w.execute(
                            db.devices.update()
                            .where(db.devices.c.id == device.id)
                            .values(last_seen=db.now())
                        )
                return Caller("device", device.id, device.site)
            cred = conn.execute(
                sa.select(db.credentials).where(db.credentials.c.key == key)
            ).first()
            if cred is not None and cred.secret_hash == hashed and cred.revoked is None:
                return Caller("credentials", cred.name)
        raise XError(401, "unknown key or wrong secret")

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > MAX_BODY:
                    raise XError(413, f"the body is larger than {MAX_BODY} bytes")
            except ValueError as exc:
                raise XError(400, "Content-Length is not a number") from exc
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise XError(413, f"the body is larger than {MAX_BODY} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        encoding = request.headers.get("content-encoding", "identity").lower()
        if encoding == "gzip":
            inflate = zlib.decompressobj(wbits=31)
            try:
                body = inflate.decompress(body, MAX_BODY + 1)
            except zlib.error as exc:
                raise XError(400, "the gzip body is damaged") from exc
            if len(body) > MAX_BODY or inflate.unconsumed_tail:
                raise XError(413, f"the body inflates to more than {MAX_BODY} bytes")
        elif encoding != "identity":
            raise XError(415, f"Content-Encoding {encoding} is not supported (use gzip)")
        return body

    async def normalise(request: Request, resource: str) -> XRequest:
        params = dict(request.query_params)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = await read_body(request)
        method = request.method
        if "method" in params:
            if method != "POST":
                raise XError(400, "the alternate request syntax must be sent as POST")
            if set(params) != {"method"}:
                raise XError(400, "the alternate request syntax allows only 'method' in the URL")
            method = params.pop("method").upper()
            if method not in METHODS:
                raise XError(400, f"method: {method} is not an xAPI method")
            if headers.get("content-type", "").split(";")[0].strip() != (
                "application/x-www-form-urlencoded"
            ):
                raise XError(400, "the alternate request syntax needs a form-urlencoded body")
            try:
                form = dict(
                    parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
                )
            except (ValueError, UnicodeDecodeError) as exc:
                raise XError(400, "the form body is not url-encoded") from exc
            body = form.pop("content", "").encode()
            if method in ("PUT", "POST") and not body:
                raise XError(400, "content: the form has no 'content' parameter")
            form_type = any(n.lower() == "content-type" for n in form)
            for name in list(form):
                if name.lower() in ALT_HEADERS:
                    headers[name.lower()] = form.pop(name)
            headers.pop("content-length", None)
            if not form_type:
                headers["content-type"] = "application/json"
            params = form
        return XRequest(method, resource, params, headers, body)

    def dispatch(req: XRequest) -> XResponse:
        r = req.resource.strip("/")
        if r == "statements":
            if req.method in ("GET", "HEAD"):
                return statements.get(req)
            if req.method == "PUT":
                return statements.put(req)
            if req.method == "POST":
                return statements.post(req)
        elif r in lrs.DOC_RULES:
            if req.method in METHODS:
                return documents.handle(req, r)
        elif r == "agents" and req.method in ("GET", "HEAD"):
            return lrs.person(req)
        elif r == "activities" and req.method in ("GET", "HEAD"):
            return lrs.activity(engine, req)
        elif r == "about":
            if req.method in ("GET", "HEAD"):
                return lrs.about()
        else:
            raise XError(404, f"no xAPI resource {r!r}")
        raise XError(405, f"{req.method} is not allowed on {r}")

    def as_response(result: XResponse, head: bool) -> Response:
        headers = {"X-Experience-API-Version": lrs.VERSION, **result.headers}
        body = b"" if head else result.body
        response = Response(
            body,
            status_code=result.status,
            headers=headers,
            media_type=result.content_type if result.status != 204 else None,
        )
        if head:
            response.headers["content-length"] = str(len(result.body))
        return response

    @app.api_route("/xapi/{resource:path}", methods=METHODS)
    async def xapi(resource: str, request: Request) -> Response:
        head = request.method == "HEAD"
        try:
            req = await normalise(request, resource)
            head = req.method == "HEAD"
            if resource.strip("/") == "about":
                return as_response(lrs.about(), head)
            caller = authenticate(req.headers.get("authorization"))
            if True:
                version = req.headers.get("x-experience-api-version")
                if version is None or not lrs.VERSION_RE.match(version.strip()):
                    raise XError(400, "X-Experience-API-Version: send 1.0.3")
            req.device = caller.ident if caller.kind == "device" else None
            req.authority = {
                "objectType": "Agent",
                "account": {"homePage": home, "name": f"{caller.kind}:{caller.ident}"},
            }
            # Database work is blocking: run it on the thread pool, not the event loop.
            from starlette.concurrency import run_in_threadpool

            result = await run_in_threadpool(dispatch, req)
        except XError as exc:
            result = XResponse(exc.status, json.dumps({"error": str(exc)}).encode())
            if exc.status == 401:
                result.headers["WWW-Authenticate"] = 'Basic realm="simdesk hub"'
        except sa.exc.OperationalError:
            result = XResponse(
                503,
                json.dumps({"error": "the database is not reachable; try again shortly"}).encode(),
                headers={"Retry-After": "2"},
            )
        if resource.strip("/") == "statements":
            result.headers.setdefault("X-Experience-API-Consistent-Through", lrs.iso(db.now()))
        return as_response(result, head)

    @app.post("/enrol")
    async def enrol(request: Request) -> JSONResponse:
        try:
            data = json.loads(await read_body(request))
            code = data["code"]
            if not isinstance(code, str):
                raise TypeError
        except XError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'send {"code": CODE}'}, status_code=400)
        from starlette.concurrency import run_in_threadpool

        try:
            device, key, secret, site = await run_in_threadpool(db.redeem_enrol_code, engine, code)
        except db.HubError as exc:
            return JSONResponse({"error": exc.what, "fix": exc.fix}, status_code=403)
        return JSONResponse(
            {"device": device, "key": key, "secret": secret, "site": site, "home": home}
        )

    from simdesk.hub.dashboard import install

    install(app, engine, authenticate)
    return app


def app_from_env() -> FastAPI:
    """The app for uvicorn workers (``--factory``): the database URL and home from the env."""
    import os

    engine = db.make_engine(os.environ[db.DATABASE_ENV])
    return create_app(engine, home=os.environ.get("SIMDESK_HUB_HOME", "https://simdesk.hub"))


__all__ = ["create_app", "app_from_env", "HTMLResponse", "Path"]
