"""xAPI 1.0.3 statement validation: every rule the hub enforces before it stores a statement.

:func:`check_statement` raises :class:`Invalid` naming the offending path (``actor.mbox``) and
the rule; the hub answers 400 with that text. Agents, groups, language maps, IRIs, UUIDs,
timestamps and durations follow the xAPI 1.0.3 specification's data section.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)  # noqa: E501
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")
MAILTO_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
LANG_RE = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?$|^[xX](?:-[A-Za-z0-9]{1,8})+$|^i-[A-Za-z]+$"
)
TIMESTAMP_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
DURATION_RE = re.compile(
    r"^P(?:\d+(?:\.\d+)?W|(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$"
)
MEDIA_TYPE_RE = re.compile(r"^[\w.+\-]+/[\w.+\-]+(?:\s*;.*)?$")
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
COMPONENT_LISTS = {
    "choices": {"choice", "sequencing"},
    "scale": {"likert"},
    "source": {"matching"},
    "target": {"matching"},
    "steps": {"performance"},
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


class Invalid(ValueError):
    """A statement or a parameter breaks an xAPI rule; the message names where and which."""


def _fail(path: str, why: str) -> None:
    raise Invalid(f"{path}: {why}")


def _obj(value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    extra = value.keys() - allowed
    if extra:
        _fail(f"{path}.{sorted(extra)[0]}", "is not an xAPI property here")
    if None in value.values():
        key = next(k for k, v in value.items() if v is None)
        _fail(f"{path}.{key}", "must not be null")
    for key in required:
        if key not in value:
            _fail(f"{path}.{key}", "is required")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def iri(value: Any, path: str) -> str:
    if not isinstance(value, str) or not IRI_RE.match(value):
        _fail(path, "must be an absolute IRI (for example http://example.com/x)")
    return value


def uuid(value: Any, path: str) -> str:
    if not isinstance(value, str) or not UUID_RE.match(value):
        _fail(path, "must be a UUID (variant 2, versions 1-5)")
    return value


def timestamp(value: Any, path: str) -> datetime:
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        _fail(path, "must be an ISO 8601 timestamp such as 2024-01-31T10:00:00Z")
    if re.search(r"-00:?00$|-00$", value):
        _fail(path, "must not use the offset -00:00 (use Z or +00:00)")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(path, "is not a real date and time")
    raise AssertionError


def lang_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be a language map (an object of language tags to strings)")
    for tag, text in value.items():
        if not LANG_RE.match(tag):
            _fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
        if not isinstance(text, str):
            _fail(f"{path}.{tag}", "must be a string")


def extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be an object of IRIs to values")
    for key in value:
        iri(key, f"{path}.{key}")


def _account(value: Any, path: str) -> None:
    _obj(value, path, {"homePage", "name"}, ("homePage", "name"))
    iri(value["homePage"], f"{path}.homePage")
    _string(value["name"], f"{path}.name")


def _ifi(agent: dict, path: str, *, required: bool) -> None:
    found = [k for k in IFIS if k in agent]
    if len(found) > 1:
        _fail(path, f"has more than one identifier ({', '.join(found)})")
    if required and not found:
        _fail(path, "needs exactly one of mbox, mbox_sha1sum, openid, account")
    if "mbox" in agent and (
        not isinstance(agent["mbox"], str) or not MAILTO_RE.match(agent["mbox"])
    ):  # noqa: E501
        _fail(f"{path}.mbox", "must be mailto:ADDRESS")
    if "mbox_sha1sum" in agent and not SHA1_RE.match(str(agent["mbox_sha1sum"])):
        _fail(f"{path}.mbox_sha1sum", "must be 40 hex digits")
    if "openid" in agent:
        iri(agent["openid"], f"{path}.openid")
    if "account" in agent:
        _account(agent["account"], f"{path}.account")


def agent(value: Any, path: str) -> None:
    _obj(value, path, {"objectType", "name", *IFIS})
    if value.get("objectType", "Agent") != "Agent":
        _fail(f"{path}.objectType", "must be Agent")
    if "name" in value:
        _string(value["name"], f"{path}.name")
    _ifi(value, path, required=True)


def group(value: Any, path: str) -> None:
    _obj(value, path, {"objectType", "name", "member", *IFIS}, ("objectType",))
    if value["objectType"] != "Group":
        _fail(f"{path}.objectType", "must be Group")
    if "name" in value:
        _string(value["name"], f"{path}.name")
    identified = any(k in value for k in IFIS)
    _ifi(value, path, required=False)
    if "member" in value or not identified:
        members = value.get("member")
        if not isinstance(members, list) or (not identified and not members):
            _fail(f"{path}.member", "an anonymous Group needs a list of member Agents")
        for n, member in enumerate(members):
            agent(member, f"{path}.member[{n}]")


def actor(value: Any, path: str) -> None:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        group(value, path)
    else:
        agent(value, path)


def verb(value: Any, path: str) -> None:
    _obj(value, path, {"id", "display"}, ("id",))
    iri(value["id"], f"{path}.id")
    if "display" in value:
        lang_map(value["display"], f"{path}.display")


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _fail(path, "must be a list of interaction components")
    seen = set()
    for n, comp in enumerate(value):
        _obj(comp, f"{path}[{n}]", {"id", "description"}, ("id",))
        if not isinstance(comp["id"], str) or not comp["id"] or re.search(r"\s", comp["id"]):
            _fail(f"{path}[{n}].id", "must be a non-empty string without spaces")
        if comp["id"] in seen:
            _fail(f"{path}[{n}].id", "is repeated")
        seen.add(comp["id"])
        if "description" in comp:
            lang_map(comp["description"], f"{path}[{n}].description")


def definition(value: Any, path: str) -> None:
    allowed = {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        *COMPONENT_LISTS,
    }
    _obj(value, path, allowed)
    for key in ("name", "description"):
        if key in value:
            lang_map(value[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in value:
            iri(value[key], f"{path}.{key}")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    kind = value.get("interactionType")
    if kind is not None and (not isinstance(kind, str) or kind not in INTERACTION_TYPES):
        _fail(f"{path}.interactionType", f"must be one of {sorted(INTERACTION_TYPES)}")
    if "correctResponsesPattern" in value:
        crp = value["correctResponsesPattern"]
        if kind is None:
            _fail(f"{path}.correctResponsesPattern", "needs an interactionType")
        if not isinstance(crp, list) or not all(isinstance(x, str) for x in crp):
            _fail(f"{path}.correctResponsesPattern", "must be a list of strings")
    for key, kinds in COMPONENT_LISTS.items():
        if key in value:
            if kind not in kinds:
                _fail(f"{path}.{key}", f"is only allowed with interactionType {sorted(kinds)}")
            _components(value[key], f"{path}.{key}")


def activity(value: Any, path: str) -> None:
    _obj(value, path, {"objectType", "id", "definition"}, ("id",))
    if value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", "must be Activity")
    iri(value["id"], f"{path}.id")
    if "definition" in value:
        definition(value["definition"], f"{path}.definition")


def statement_ref(value: Any, path: str) -> None:
    _obj(value, path, {"objectType", "id"}, ("objectType", "id"))
    if value["objectType"] != "StatementRef":
        _fail(f"{path}.objectType", "must be StatementRef")
    uuid(value["id"], f"{path}.id")


def _object(value: Any, path: str, *, sub: bool) -> None:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        activity(value, path)
    elif kind == "Agent":
        agent(value, path)
    elif kind == "Group":
        group(value, path)
    elif kind == "StatementRef":
        statement_ref(value, path)
    elif kind == "SubStatement" and not sub:
        _statement_body(value, path, sub=True)
    else:
        _fail(f"{path}.objectType", f"{kind!r} is not allowed here")


def score(value: Any, path: str) -> None:
    _obj(value, path, {"scaled", "raw", "min", "max"})
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            _fail(f"{path}.{key}", "must be a number")
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        _fail(f"{path}.scaled", "must be between -1 and 1")
    lo, hi, raw = value.get("min"), value.get("max"), value.get("raw")
    if lo is not None and hi is not None and lo > hi:
        _fail(f"{path}.min", "must not exceed max")
    if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
        _fail(f"{path}.raw", "must lie between min and max")


def result(value: Any, path: str) -> None:
    _obj(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
    if "score" in value:
        score(value["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            _fail(f"{path}.{key}", "must be true or false")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value and not (
        isinstance(value["duration"], str) and DURATION_RE.match(value["duration"])
    ):
        _fail(f"{path}.duration", "must be an ISO 8601 duration such as PT1H2M3S")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")


def context(value: Any, path: str, object_kind: str) -> None:
    allowed = {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
    _obj(value, path, allowed)
    if "registration" in value:
        uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        group(value["team"], f"{path}.team")
    if "contextActivities" in value:
        acts = _obj(
            value["contextActivities"],
            f"{path}.contextActivities",
            {"parent", "grouping", "category", "other"},
        )
        for key, item in acts.items():
            for n, act in enumerate(item if isinstance(item, list) else [item]):
                activity(act, f"{path}.contextActivities.{key}[{n}]")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if object_kind != "Activity":
                _fail(f"{path}.{key}", "is only allowed when the object is an Activity")
    if "language" in value and not (
        isinstance(value["language"], str) and LANG_RE.match(value["language"])
    ):
        _fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in value:
        statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")


def attachment(value: Any, path: str) -> None:
    _obj(
        value,
        path,
        {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
        ("usageType", "display", "contentType", "length", "sha2"),
    )
    iri(value["usageType"], f"{path}.usageType")
    lang_map(value["display"], f"{path}.display")
    if "description" in value:
        lang_map(value["description"], f"{path}.description")
    if not isinstance(value["contentType"], str) or not MEDIA_TYPE_RE.match(value["contentType"]):
        _fail(f"{path}.contentType", "must be an Internet media type")
    if isinstance(value["length"], bool) or not isinstance(value["length"], int):
        _fail(f"{path}.length", "must be an integer")
    if not isinstance(value["sha2"], str) or not re.match(r"^[0-9a-fA-F]{56,128}$", value["sha2"]):
        _fail(f"{path}.sha2", "must be a SHA-2 hash in hex")
    if "fileUrl" in value:
        iri(value["fileUrl"], f"{path}.fileUrl")


def _statement_body(value: dict, path: str, *, sub: bool) -> None:
    if sub:
        allowed = {
            "objectType",
            "actor",
            "verb",
            "object",
            "result",
            "context",
            "timestamp",
            "attachments",
        }
    else:
        allowed = {
            "id",
            "actor",
            "verb",
            "object",
            "result",
            "context",
            "timestamp",
            "stored",
            "authority",
            "version",
            "attachments",
            "objectType",
        }
    _obj(value, path, allowed, ("actor", "verb", "object"))
    p = f"{path}." if path else ""
    if not sub and "objectType" in value:
        _fail(f"{p}objectType", "is not a property of a Statement")
    if "id" in value:
        uuid(value["id"], f"{p}id")
    _checked(actor, value["actor"], f"{p}actor")
    _checked(verb, value["verb"], f"{p}verb")
    if sub:
        _object(value["object"], f"{p}object", sub=sub)
    else:
        _checked(lambda v, q: _object(v, q, sub=False), value["object"], f"{p}object")
    kind = value["object"].get("objectType", "Activity")
    if value["verb"]["id"] == VOIDED and kind != "StatementRef":
        _fail(f"{p}object", "a voiding statement's object must be a StatementRef")
    if "result" in value:
        result(value["result"], f"{p}result")
    if "context" in value:
        _checked(lambda v, q: context(v, q, kind), value["context"], f"{p}context", kind)
    if "timestamp" in value:
        timestamp(value["timestamp"], f"{p}timestamp")
    if "stored" in value:
        timestamp(value["stored"], f"{p}stored")
    if "authority" in value:
        auth = value["authority"]
        actor(auth, f"{p}authority")
        if auth.get("objectType") == "Group" and (
            len(auth.get("member", [])) != 2
            or any(k in auth for k in IFIS)
            or not any("account" in m for m in auth["member"])
        ):
            _fail(
                f"{p}authority",
                "a Group authority must be an anonymous Group of two Agents, "
                "one of them an OAuth application (account)",
            )
    if "version" in value and not (
        isinstance(value["version"], str) and re.match(r"^1\.0(\.\d+)?$", value["version"])
    ):
        _fail(f"{p}version", "must be 1.0.x")
    if "attachments" in value:
        if not isinstance(value["attachments"], list):
            _fail(f"{p}attachments", "must be a list")
        for n, item in enumerate(value["attachments"]):
            attachment(item, f"{p}attachments[{n}]")


_VALID: dict[tuple, None] = {}  # parts already found valid (a batch repeats its actors, etc.)
_VALID_MAX = 4096


def _checked(check, value: Any, path: str, extra: str = "") -> None:
    """Run ``check(value, path)`` unless an identical part (same JSON) passed it before."""
    try:
        key = (check.__name__ if check.__name__ != "<lambda>" else path, extra,
               orjson.dumps(value))  # fmt: skip
    except TypeError:  # not plain JSON (huge ints): just check it
        check(value, path)
        return
    if key in _VALID:
        return
    check(value, path)
    if len(_VALID) >= _VALID_MAX:
        _VALID.clear()
    _VALID[key] = None


def check_statement(value: Any) -> None:
    """Raise :class:`Invalid` unless ``value`` is a valid xAPI 1.0.3 statement."""
    if not isinstance(value, dict):
        _fail("statement", "must be a JSON object")
    _statement_body(value, "", sub=False)


def agent_param(value: Any, name: str = "agent") -> dict:
    """An agent (or identified group) given as a query parameter."""
    if not isinstance(value, dict):
        _fail(name, "must be a JSON object")
    if value.get("objectType") == "Group":
        group(value, name)
        if not any(k in value for k in IFIS):
            _fail(name, "must be an identified Group")
    else:
        agent(value, name)
    return value


def ifi_key(agent_obj: dict) -> str | None:
    """One string per agent identity (the IFI), used to compare and index agents."""
    for key in IFIS:
        if key in agent_obj:
            value = agent_obj[key]
            if key == "account":
                return f"account:{value.get('homePage')}|{value.get('name')}"
            return f"{key}:{value}"
    return None
