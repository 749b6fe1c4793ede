"""The xAPI 1.0.3 resources, independent of the web framework.

Each handler takes an :class:`XRequest` (method, parameters, headers, body, already normalised
from the alternate request syntax) and returns an :class:`XResponse`. Statements are stored once
per id: the same id with the same content is accepted again and stored once (idempotent sync);
the same id with other content is refused with 409.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from simdesk.hub import db
from simdesk.hub.validate import (
    SIGNATURE,
    VOIDED,
    Invalid,
    agent_param,
    check_statement,
    ifi_key,
    iri,
    timestamp,
)
from simdesk.hub.validate import (
    uuid as check_uuid,
)

VERSION = "1.0.3"
MAX_PAGE = 100
STATEMENT_PARAMS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
}


@dataclass
class XRequest:
    method: str
    resource: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    authority: dict = field(default_factory=dict)
    device: str | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class XResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class XError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(value: Any, status: int = 200, **headers: str) -> XResponse:
    return XResponse(status, json.dumps(value).encode(), headers=dict(headers))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _param_json(params: dict[str, str], name: str) -> Any:
    try:
        return json.loads(params[name])
    except (ValueError, TypeError) as exc:
        raise XError(400, f"{name}: is not valid JSON") from exc


def _agent_key(params: dict[str, str], name: str = "agent") -> str:
    try:
        return ifi_key(agent_param(_param_json(params, name), name)) or ""
    except Invalid as exc:
        raise XError(400, str(exc)) from exc


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise XError(400, f"{name}: must be true or false")
    return value == "true"


# -- statement indexing --------------------------------------------------------------------------


def _agents_of(obj: dict | None) -> list[str]:
    if not isinstance(obj, dict) or obj.get("objectType") not in (None, "Agent", "Group"):
        return []
    if obj.get("objectType") is None and "id" in obj:
        return []
    keys = [k for k in [ifi_key(obj)] if k]
    return keys


def _context_activities(context: dict | None) -> list[str]:
    found = []
    for item in (context or {}).get("contextActivities", {}).values():
        found += [a["id"] for a in (item if isinstance(item, list) else [item])]
    return found


def index(statement: dict) -> dict:
    """The columns that the statement filters search."""
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    agents = _agents_of(statement["actor"]) + (
        _agents_of(obj) if kind in ("Agent", "Group") else []
    )
    activities = [obj["id"]] if kind == "Activity" else []
    related_agents, related_activities = list(agents), list(activities)
    context = statement.get("context", {})
    related_agents += _agents_of(statement.get("authority"))
    related_agents += _agents_of(context.get("instructor")) + _agents_of(context.get("team"))
    for member in statement["actor"].get("member", []):
        related_agents += _agents_of(member)
    related_activities += _context_activities(context)
    if kind == "SubStatement":
        sub, sub_ctx = obj, obj.get("context", {})
        related_agents += _agents_of(sub["actor"]) + _agents_of(sub["object"])
        related_agents += _agents_of(sub_ctx.get("instructor")) + _agents_of(sub_ctx.get("team"))
        if sub["object"].get("objectType", "Activity") == "Activity":
            related_activities.append(sub["object"]["id"])
        related_activities += _context_activities(sub_ctx)
    return {
        "verb": statement["verb"]["id"],
        "ref": obj["id"] if kind == "StatementRef" else None,
        "registration": context.get("registration"),
        "agents": agents,
        "related_agents": sorted(set(related_agents)),
        "activities": activities,
        "related_activities": sorted(set(related_activities)),
    }


def normalise(statement: dict) -> dict:
    """Single context activities become one-item lists, as xAPI requires them returned."""
    out = dict(statement)
    for holder in (
        out,
        out["object"] if out["object"].get("objectType") == "SubStatement" else None,
    ):
        if holder is None or "context" not in holder:
            continue
        context = dict(holder["context"])
        if "contextActivities" in context:
            context["contextActivities"] = {
                k: v if isinstance(v, list) else [v]
                for k, v in context["contextActivities"].items()
            }
        if holder is out:
            out["context"] = context
        else:
            out["object"] = {**holder, "context": context}
    return out


INSERT_BATCH = sa.text(
    """
    INSERT INTO statements (id, body, digest, stored, verb, voided, ref, registration, agents,
                            related_agents, activities, related_activities, device)
    SELECT r.id, r.body, r.digest, :stored, r.verb, false, r.ref, r.registration, r.agents,
           r.related_agents, r.activities, r.related_activities, :device
    FROM ROWS FROM (jsonb_to_recordset(CAST(:rows AS jsonb)) AS (
        id text, body jsonb, digest text, verb text, ref text, registration text, agents text[],
        related_agents text[], activities text[], related_activities text[]))
      WITH ORDINALITY AS r(id, body, digest, verb, ref, registration, agents, related_agents,
                           activities, related_activities, ord)
    ORDER BY r.ord
    ON CONFLICT (id) DO NOTHING"""
)
ROW_FIELDS = ("id", "digest", "verb", "ref", "registration", "agents", "related_agents",
              "activities", "related_activities")  # fmt: skip


def loads(data: bytes | str):
    """JSON in: orjson (fast), or the standard library for what orjson refuses (huge ints)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value) -> str:
    """Compact JSON out, UTF-8 kept: orjson, or the standard library for huge ints."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _row_json(row: dict) -> str:
    small = dumps({k: row[k] for k in ROW_FIELDS})
    return small[:-1] + ',"body":' + row["body"] + "}"


# -- multipart and signatures --------------------------------------------------------------------


def parse_multipart(req: XRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The statement JSON and the attachments (by hash) of a multipart/mixed body."""
    raw_type = req.headers.get("content-type", "")
    head = f"Content-Type: {raw_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + req.body)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise XError(400, "the multipart body has no parts")
    first = parts[0]
    if first.get_content_type() != "application/json":
        raise XError(400, "the first part of a multipart body must be application/json")
    try:
        statements = json.loads(first.get_payload(decode=True))
    except ValueError as exc:
        raise XError(400, "the statement part is not valid JSON") from exc
    files = {}
    for part in parts[1:]:
        sha = part.get("X-Experience-API-Hash")
        if not sha:
            raise XError(400, "an attachment part has no X-Experience-API-Hash header")
        if part.get("Content-Transfer-Encoding", "binary").lower() != "binary":
            raise XError(400, "attachment parts must use Content-Transfer-Encoding: binary")
        content = part.get_payload(decode=True) or b""
        files[sha] = (part.get_content_type(), content)
    return statements, files


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_signature(statement: dict, jws: bytes) -> None:
    """A signature attachment must be a JWS (RS256/384/512) of this very statement."""
    try:
        header_b64, payload_b64, _sig = jws.decode().strip().split(".")
        header = json.loads(_b64url(header_b64))
        payload = json.loads(_b64url(payload_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise XError(400, "the signature attachment is not a valid JWS") from exc
    if header.get("alg") not in ("RS256", "RS384", "RS512"):
        raise XError(400, "a statement signature must use RS256, RS384 or RS512")

    def comparable(s: dict) -> dict:
        out = {
            k: v
            for k, v in s.items()
            if k not in ("id", "authority", "stored", "version", "timestamp", "attachments")
        }
        return out

    if not isinstance(payload, dict) or comparable(payload) != comparable(statement):
        raise XError(400, "the JWS payload is not the statement that was signed")


# -- statements ---------------------------------------------------------------------------------


class Statements:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def put(self, req: XRequest) -> XResponse:
        extra = set(req.params) - {"statementId"}
        if extra:
            raise XError(400, f"unexpected parameters for PUT: {sorted(extra)}")
        if "statementId" not in req.params:
            raise XError(400, "statementId: is required for PUT")
        sid = req.params["statementId"]
        try:
            check_uuid(sid, "statementId")
        except Invalid as exc:
            raise XError(400, str(exc)) from exc
        body, files = self._body(req)
        if not isinstance(body, dict):
            raise XError(400, "PUT takes one statement")
        if body.get("id", sid) != sid:
            raise XError(400, "the statement's id differs from statementId")
        self.store([{**body, "id": sid}], files, req)
        return XResponse(204)

    def post(self, req: XRequest) -> XResponse:
        if req.params:
            raise XError(400, f"unexpected parameters for POST: {sorted(req.params)}")
        body, files = self._body(req)
        batch = body if isinstance(body, list) else [body]
        if not batch:
            raise XError(400, "the request holds no statement")
        return _json(self.store(batch, files, req))

    def _body(self, req: XRequest) -> tuple[Any, dict]:
        if req.content_type == "multipart/mixed":
            return parse_multipart(req)
        if req.content_type != "application/json":
            raise XError(400, "statements must be sent as application/json or multipart/mixed")
        try:
            return loads(req.body), {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise XError(400, f"the body is not valid JSON ({exc})") from exc

    def store(self, batch: list, files: dict, req: XRequest) -> list[str]:
        """Validate and store a batch atomically; return the ids in order."""
        stored_at = db.now()
        rows, ids, seen = [], [], set()
        used_hashes = set()
        for n, raw in enumerate(batch):
            try:
                check_statement(raw)
            except Invalid as exc:
                raise XError(400, f"statement {n}: {exc}") from exc
            except (TypeError, KeyError, AttributeError) as exc:  # a shape no rule foresaw
                raise XError(400, f"statement {n}: malformed ({exc})") from exc
            statement = dict(raw)
            statement.setdefault("id", str(uuid.uuid4()))
            sid = statement["id"].lower()
            if sid in seen:
                raise XError(400, f"statement {n}: the id {sid} appears twice in the batch")
            seen.add(sid)
            for att in statement.get("attachments", []):
                if att["sha2"] in files:
                    used_hashes.add(att["sha2"])
                    if att["usageType"] == SIGNATURE:
                        if att["contentType"] != "application/octet-stream":
                            raise XError(
                                400, "a signature attachment must be application/octet-stream"
                            )
                        check_signature(raw, files[att["sha2"]][1])
                elif "fileUrl" not in att:
                    raise XError(
                        400,
                        f"statement {n}: attachment {att['sha2'][:12]}... has "
                        "neither a part in the request nor a fileUrl",
                    )
            statement = normalise({**statement, "id": sid})
            added = {
                "stored": iso(stored_at),
                "timestamp": statement.get("timestamp") or iso(stored_at),
                "authority": req.authority,
                "version": statement.get("version", "1.0.0"),
            }
            full = {**statement, **added}
            # One serialisation per statement: its hash for idempotence, and (with the LRS's
            # properties appended; a repeated key in JSONB keeps the last, equal, value) the body.
            text = dumps(statement)
            body = text[:-1] + "," + dumps(added)[1:]
            rows.append(
                {
                    "id": sid,
                    "body": body,
                    "digest": hashlib.sha256(text.encode()).hexdigest(),
                    "_full": full,
                    **index(full),
                }
            )
            ids.append(sid)
        if set(files) - used_hashes:
            raise XError(400, "an attachment part matches no attachment of the statements")
        with self.engine.begin() as conn:
            existing = {
                r.id: r
                for r in conn.execute(
                    sa.select(db.statements.c.id, db.statements.c.digest).where(
                        db.statements.c.id.in_(ids)
                    )
                )
            }
            fresh = []
            for row in rows:
                old = existing.get(row["id"])
                if old is None:
                    fresh.append(row)
                elif old.digest != row["digest"] and not self._same(conn, row["_full"]):
                    raise XError(409, f"statement {row['id']} exists with other content")
            targets = [r["ref"] for r in fresh if r["verb"] == VOIDED]
            if targets:
                voiding = conn.execute(
                    sa.select(db.statements.c.id)
                    .where(db.statements.c.id.in_(targets))
                    .where(db.statements.c.verb == VOIDED)
                ).first()
                if voiding is not None:
                    raise XError(400, "a voiding statement cannot void another voiding statement")
            if fresh:
                # The whole batch as one JSON parameter (bodies serialised once, above);
                # ON CONFLICT: a concurrent request with the same ids stores them once.
                payload = "[" + ",".join(_row_json(r) for r in fresh) + "]"
                conn.execute(
                    INSERT_BATCH, {"rows": payload, "stored": stored_at, "device": req.device}
                )
            if targets:
                conn.execute(
                    db.statements.update()
                    .where(db.statements.c.id.in_(targets))
                    .where(db.statements.c.verb != VOIDED)
                    .values(voided=True)
                )
            for sha in used_hashes:
                conn.execute(
                    pg_insert(db.attachments).on_conflict_do_nothing(),
                    {"sha2": sha, "content_type": files[sha][0], "content": files[sha][1]},
                )
            self._activities(conn, [r["_full"] for r in fresh])
        return ids

    @staticmethod
    def _same(conn, full: dict) -> bool:
        """Whether the stored statement with this id is this one (other key order, say)."""
        old = conn.scalar(sa.select(db.statements.c.body).where(db.statements.c.id == full["id"]))
        ignore = {"stored", "authority", "version"}
        if "timestamp" not in full or full["timestamp"] == full["stored"]:
            ignore.add("timestamp")
        a = {k: v for k, v in (old or {}).items() if k not in ignore}
        b = {k: v for k, v in full.items() if k not in ignore}
        return a == b

    @staticmethod
    def _activities(conn, bodies: list[dict]) -> None:
        """Keep each activity's definition: the union of what statements said (lang maps merged)."""
        found: list[tuple[str, dict]] = []
        for body in bodies:
            objs = [body["object"]]
            for item in body.get("context", {}).get("contextActivities", {}).values():
                objs += item
            found += [
                (o["id"], o.get("definition", {}))
                for o in objs
                if o.get("objectType", "Activity") == "Activity" and "id" in o
            ]
        if not found:
            return
        ids = sorted({aid for aid, _ in found})
        defs = {
            r.id: dict(r.definition)
            for r in conn.execute(
                sa.select(db.activities).where(db.activities.c.id.in_(ids)).with_for_update()
            )
        }
        for aid, definition in found:
            merged = defs.setdefault(aid, {})
            for key, value in definition.items():
                if key in ("name", "description", "extensions") and isinstance(
                    merged.get(key), dict
                ):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
        for aid in ids:
            stmt = pg_insert(db.activities).values(id=aid, definition=defs[aid])
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"], set_={"definition": stmt.excluded.definition}
                )
            )

    # -- reads ----------------------------------------------------------------------------------

    def get(self, req: XRequest) -> XResponse:
        params = dict(req.params)
        unknown = set(params) - STATEMENT_PARAMS
        if unknown:
            raise XError(400, f"unknown parameters: {sorted(unknown)}")
        fmt = params.get("format", "exact")
        if fmt not in ("exact", "ids", "canonical"):
            raise XError(400, "format: must be exact, ids or canonical")
        with_attachments = _bool(params, "attachments")
        lang = req.headers.get("accept-language", "")
        if "more" in params:
            try:
                params = {**json.loads(_b64url(params["more"])), "more": params["more"]}
            except ValueError as exc:
                raise XError(400, "more: is not a token this hub made") from exc
        single = [k for k in ("statementId", "voidedStatementId") if k in params]
        if single:
            others = set(params) - {"statementId", "voidedStatementId", "format", "attachments"}
            if len(single) > 1 or others:
                raise XError(400, f"{single[0]} cannot be combined with {sorted(others)}")
            return self._single(params, single[0], fmt, lang, with_attachments)
        return self._many(params, fmt, lang, with_attachments)

    def _single(self, params, name, fmt, lang, with_attachments) -> XResponse:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    db.statements.c.body, db.statements.c.voided, db.statements.c.stored
                ).where(db.statements.c.id == params[name].lower())
            ).first()
        if row is None or row.voided != (name == "voidedStatementId"):
            raise XError(
                404,
                f"no statement {params[name]}"
                + (
                    " (it has been voided: ask with voidedStatementId)"
                    if row is not None and row.voided
                    else ""
                ),
            )
        body = shape(row.body, fmt, lang)
        headers = {
            "Last-Modified": row.stored.astimezone(timezone.utc).strftime(
                "%a, %d %b %Y %H:%M:%S GMT"
            )
        }
        return self._reply(body, [row.body], with_attachments, headers)

    def _many(self, params, fmt, lang, with_attachments) -> XResponse:
        s = db.statements.c
        cond = [sa.true()]
        filtered = False
        if "agent" in params:
            column = s.related_agents if _bool(params, "related_agents") else s.agents
            cond.append(column.any(_agent_key(params)))
            filtered = True
        elif "related_agents" in params:
            _bool(params, "related_agents")
        if "verb" in params:
            iri_param(params["verb"], "verb")
            cond.append(s.verb == params["verb"])
            filtered = True
        if "activity" in params:
            iri_param(params["activity"], "activity")
            column = s.related_activities if _bool(params, "related_activities") else s.activities
            cond.append(column.any(params["activity"]))
            filtered = True
        elif "related_activities" in params:
            _bool(params, "related_activities")
        if "registration" in params:
            try:
                check_uuid(params["registration"], "registration")
            except Invalid as exc:
                raise XError(400, str(exc)) from exc
            cond.append(s.registration == params["registration"])
            filtered = True
        time_cond = []
        for name, op in (("since", "__gt__"), ("until", "__le__")):
            if name in params:
                try:
                    moment = timestamp(params[name], name)
                except Invalid as exc:
                    raise XError(400, str(exc)) from exc
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
                time_cond.append(getattr(s.stored, op)(moment))
        try:
            limit = int(params.get("limit", "0"))
        except ValueError as exc:
            raise XError(400, "limit: must be a whole number") from exc
        if limit < 0:
            raise XError(400, "limit: must not be negative")
        limit = MAX_PAGE if limit == 0 else min(limit, MAX_PAGE)
        ascending = _bool(params, "ascending")
        offset = int(params.get("_offset", 0))
        with self.engine.connect() as conn:
            top = int(params.get("_top") or conn.scalar(sa.select(sa.func.max(s.seq))) or 0)
            where = [s.seq <= top, *time_cond]
            if filtered:
                matched = set(conn.scalars(sa.select(s.id).where(*cond, s.seq <= top)))
                frontier = set(matched)
                for _depth in range(10):  # statements referring to matches match too
                    if not frontier:
                        break
                    refs = set(
                        conn.scalars(sa.select(s.id).where(s.ref.in_(frontier), s.seq <= top))
                    )
                    frontier = refs - matched
                    matched |= frontier
                where.append(s.id.in_(matched))
            order = (s.stored.asc(), s.seq.asc()) if ascending else (s.stored.desc(), s.seq.desc())
            rows = conn.execute(
                sa.select(s.body)
                .where(*where, s.voided.is_(False))
                .order_by(*order)
                .offset(offset)
                .limit(limit + 1)
            ).all()
        more = ""
        if len(rows) > limit:
            rows = rows[:limit]
            state = {k: v for k, v in params.items() if k != "more"}
            state.update(_offset=offset + limit, _top=top)
            token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
            more = f"/xapi/statements?more={token}"
        bodies = [r.body for r in rows]
        result = {"statements": [shape(b, fmt, lang) for b in bodies], "more": more}
        return self._reply(result, bodies, with_attachments, {})

    def _reply(self, body, raw: list[dict], with_attachments: bool, headers) -> XResponse:
        headers = {**headers, "X-Experience-API-Consistent-Through": iso(db.now())}
        if not with_attachments:
            return _json(body, **headers)
        hashes = {a["sha2"] for b in raw for a in b.get("attachments", []) if "sha2" in a}
        with self.engine.connect() as conn:
            files = conn.execute(sa.select(db.attachments).where(db.attachments.c.sha2.in_(hashes)))
            files = list(files)
        boundary = uuid.uuid4().hex
        chunks = [
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
            json.dumps(body).encode(),
        ]
        for f in files:
            chunks += [
                (
                    f"\r\n--{boundary}\r\nContent-Type: {f.content_type}\r\n"
                    "Content-Transfer-Encoding: binary\r\n"
                    f"X-Experience-API-Hash: {f.sha2}\r\n\r\n"
                ).encode(),
                f.content,
            ]
        chunks.append(f"\r\n--{boundary}--".encode())
        return XResponse(200, b"".join(chunks), f"multipart/mixed; boundary={boundary}", headers)


def iri_param(value: str, name: str) -> None:
    try:
        iri(value, name)
    except Invalid as exc:
        raise XError(400, str(exc)) from exc


def _pick_language(value: dict, lang: str) -> dict:
    wanted = [p.split(";")[0].strip().lower() for p in lang.split(",") if p.strip()]
    for tag in wanted:
        for key in value:
            if key.lower() == tag or key.lower().split("-")[0] == tag:
                return {key: value[key]}
    first = next(iter(value), None)
    return {first: value[first]} if first else {}


def shape(statement: dict, fmt: str, lang: str) -> dict:
    """A stored statement in the ``exact``, ``ids`` or ``canonical`` format."""
    if fmt == "exact":
        return statement

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            if (
                fmt == "canonical"
                and key in ("display", "name", "description")
                and all(isinstance(v, str) for v in node.values())
            ):
                return _pick_language(node, lang)
            if fmt == "ids":
                kind = node.get("objectType")
                if kind in ("Agent", "Group") or (kind is None and ifi_key(node)):
                    ifi = (
                        next(k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in node)
                        if ifi_key(node)
                        else None
                    )
                    slim = {"objectType": kind} if kind else {}
                    if ifi:
                        slim[ifi] = node[ifi]
                    if kind == "Group" and not ifi:
                        slim["member"] = [walk(m) for m in node.get("member", [])]
                    return slim
                if key == "verb":
                    return {"id": node["id"]}
                if kind in (None, "Activity") and "id" in node and key in ("object", ""):
                    return {"id": node["id"]}
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        return node

    if fmt == "canonical":
        return walk(statement)
    out = dict(statement)
    for key in ("actor", "verb", "object", "authority"):
        if key in out:
            out[key] = walk(out[key], key)
    if "context" in out:
        out["context"] = walk(out["context"])
    return out


# -- documents ----------------------------------------------------------------------------------

DOC_RULES = {
    # kind: (required params, the id param, optional params)
    "activities/state": ({"activityId", "agent"}, "stateId", {"registration", "since"}),
    "activities/profile": ({"activityId"}, "profileId", {"since"}),
    "agents/profile": ({"agent"}, "profileId", {"since"}),
}


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


class Documents:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _where(self, req: XRequest, kind: str) -> tuple[dict, str | None]:
        required, id_name, optional = DOC_RULES[kind]
        params = req.params
        unknown = set(params) - required - {id_name} - optional
        if unknown:
            raise XError(400, f"unknown parameters: {sorted(unknown)}")
        for name in sorted(required):
            if name not in params:
                raise XError(400, f"{name}: is required")
        key = {"kind": kind, "activity": "", "agent": "", "registration": ""}
        if "activityId" in params:
            iri_param(params["activityId"], "activityId")
            key["activity"] = params["activityId"]
        if "agent" in params:
            key["agent"] = _agent_key(params)
        if "registration" in params:
            try:
                check_uuid(params["registration"], "registration")
            except Invalid as exc:
                raise XError(400, str(exc)) from exc
            key["registration"] = params["registration"]
        return key, params.get(id_name)

    def _match(self, key: dict, doc_id: str | None):
        d = db.documents.c
        cond = [d.kind == key["kind"], d.activity == key["activity"], d.agent == key["agent"]]
        if key["kind"] == "activities/state" and (key["registration"] or doc_id is not None):
            cond.append(d.registration == key["registration"])
        if doc_id is not None:
            cond.append(d.doc_id == doc_id)
        return cond

    def handle(self, req: XRequest, kind: str) -> XResponse:
        key, doc_id = self._where(req, kind)
        if req.method in ("GET", "HEAD"):
            return self._get(req, key, doc_id)
        if req.method == "DELETE":
            if doc_id is None and kind != "activities/state":
                raise XError(400, f"{DOC_RULES[kind][1]}: is required")
            return self._delete(req, key, doc_id)
        if doc_id is None:
            raise XError(400, f"{DOC_RULES[kind][1]}: is required")
        if "since" in req.params:
            raise XError(400, "since: is only for GET")
        return self._write(req, key, doc_id, merge=req.method == "POST")

    def _get(self, req, key, doc_id) -> XResponse:
        d = db.documents.c
        with self.engine.connect() as conn:
            if doc_id is not None:
                row = conn.execute(sa.select(db.documents).where(*self._match(key, doc_id))).first()
                if row is None:
                    raise XError(404, "no such document")
                return XResponse(
                    200,
                    bytes(row.content),
                    row.content_type,
                    {
                        "ETag": f'"{row.etag}"',
                        "Last-Modified": row.updated.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                    },
                )
            cond = self._match(key, None)
            if "since" in req.params:
                try:
                    moment = timestamp(req.params["since"], "since")
                except Invalid as exc:
                    raise XError(400, str(exc)) from exc
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
                cond.append(d.updated > moment)
            ids = list(conn.scalars(sa.select(d.doc_id).where(*cond).order_by(d.id)))
        return _json(ids)

    def _precondition(self, req, row) -> None:
        if_match, if_none = req.headers.get("if-match"), req.headers.get("if-none-match")
        current = f'"{row.etag}"' if row is not None else None
        if if_match is not None:
            tags = [t.strip() for t in if_match.split(",")]
            if row is None or ("*" not in tags and current not in tags and row.etag not in tags):
                raise XError(412, "If-Match does not match the current document")
        if if_none is not None:
            tags = [t.strip() for t in if_none.split(",")]
            if row is not None and ("*" in tags or current in tags):
                raise XError(412, "If-None-Match: the document exists")

    def _write(self, req, key, doc_id, *, merge: bool) -> XResponse:
        content, ctype = req.body, req.headers.get("content-type", "application/octet-stream")
        is_json = ctype.split(";")[0].strip().lower() == "application/json"
        if is_json:
            try:
                parsed = json.loads(content or b"null")
            except (ValueError, UnicodeDecodeError) as exc:
                raise XError(400, "the document is not valid JSON") from exc
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(db.documents).where(*self._match(key, doc_id)).with_for_update()
            ).first()
            self._precondition(req, row)
            if (
                not merge
                and key["kind"] != "activities/state"
                and "if-match" not in req.headers
                and "if-none-match" not in req.headers
            ):
                if row is not None:
                    raise XError(
                        409,
                        "the document exists: send If-Match with its ETag, or "
                        "If-None-Match: * to create only",
                    )
                raise XError(
                    400, "a PUT to a profile needs If-Match (its ETag) or If-None-Match: *"
                )
            if merge:
                if not is_json or not isinstance(parsed, dict):
                    raise XError(400, "POST merges JSON objects: send an application/json object")
                if row is not None:
                    if not row.content_type.startswith("application/json"):
                        raise XError(400, "the stored document is not JSON and cannot be merged")
                    old = json.loads(bytes(row.content))
                    if not isinstance(old, dict):
                        raise XError(400, "the stored document is not a JSON object")
                    content = json.dumps({**old, **parsed}).encode()
                ctype = "application/json"
            values = {
                "content": content,
                "content_type": ctype,
                "etag": etag_of(content),
                "updated": db.now(),
            }
            if row is None:
                conn.execute(db.documents.insert().values(**key, doc_id=doc_id, **values))
            else:
                conn.execute(
                    db.documents.update().where(db.documents.c.id == row.id).values(**values)
                )
        return XResponse(204)

    def _delete(self, req, key, doc_id) -> XResponse:
        with self.engine.begin() as conn:
            if doc_id is not None:
                row = conn.execute(sa.select(db.documents).where(*self._match(key, doc_id))).first()
                self._precondition(req, row)
            conn.execute(sa.delete(db.documents).where(*self._match(key, doc_id)))
        return XResponse(204)


# -- agents, activities, about ------------------------------------------------------------------


def person(req: XRequest) -> XResponse:
    if set(req.params) != {"agent"}:
        raise XError(400, "agent: is required (and the only parameter)")
    value = _param_json(req.params, "agent")
    try:
        agent_param(value)
    except Invalid as exc:
        raise XError(400, str(exc)) from exc
    out: dict[str, Any] = {"objectType": "Person"}
    if "name" in value:
        out["name"] = [value["name"]]
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in value:
            out[ifi] = [value[ifi]]
    return _json(out)


def activity(engine: sa.Engine, req: XRequest) -> XResponse:
    if set(req.params) != {"activityId"}:
        raise XError(400, "activityId: is required (and the only parameter)")
    aid = req.params["activityId"]
    iri_param(aid, "activityId")
    with engine.connect() as conn:
        definition = conn.scalar(
            sa.select(db.activities.c.definition).where(db.activities.c.id == aid)
        )
    out = {"objectType": "Activity", "id": aid}
    if definition:
        out["definition"] = definition
    return _json(out)


def about() -> XResponse:
    return _json(
        {
            "version": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"],
            "extensions": {"https://simdesk.org/xapi/hub": "simdesk hub"},
        }
    )


VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")
