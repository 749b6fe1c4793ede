"""``simdesk hub ...``: run the programme hub and administer it (enrolment codes, credentials)."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DATA = Path("hub-data")


def register(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help="the programme hub (xAPI store and dashboard)")
    cmds = hub.add_subparsers(dest="hub_command", metavar="COMMAND", required=True)

    def data_arg(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data",
            type=Path,
            default=DEFAULT_DATA,
            help="the hub's folder (database, certificate); default ./hub-data",
        )

    serve = cmds.add_parser("serve", help="serve HTTPS; prints the URL when ready")
    data_arg(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--cert", type=Path, help="a PEM certificate (default: self-signed)")
    serve.add_argument("--key", type=Path, help="its PEM private key")
    serve.add_argument("--url", help="the URL devices use, if not https://HOST:PORT")
    serve.set_defaults(handler=serve_command)
    code = cmds.add_parser("enrol-code", help="print one enrolment token as the last line")
    data_arg(code)
    code.add_argument("--site", required=True, help="the clinic or site the device belongs to")
    code.add_argument("--cohort", default="", help="the cohort (default: this month, YYYY-MM)")
    code.add_argument("--hours", type=float, default=72.0, help="valid for (default 72)")
    code.set_defaults(handler=enrol_code_command)
    creds = cmds.add_parser("credentials", help="print KEY SECRET for analytics tools")
    data_arg(creds)
    creds.add_argument("name")
    creds.set_defaults(handler=credentials_command)
    revoke = cmds.add_parser("revoke", help="revoke a device (by its id or key)")
    data_arg(revoke)
    revoke.add_argument("device")
    revoke.set_defaults(handler=revoke_command)


def serve_command(args: argparse.Namespace) -> int:
    from simdesk.hub.server import serve

    serve(
        args.data,
        args.host,
        args.port,
        workers=args.workers,
        cert=args.cert,
        key=args.key,
        public_url=args.url,
    )
    return 0


def enrol_code_command(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from simdesk.hub.db import Enrolment, new_enrol_code, open_database
    from simdesk.hub.server import hub_info

    info = hub_info(args.data)
    engine = open_database(args.data)
    cohort = args.cohort or datetime.now(timezone.utc).strftime("%Y-%m")
    code = new_enrol_code(engine, args.site, cohort, args.hours)
    engine.dispose()
    print(f"Enrolment code for site {args.site}, cohort {cohort}, valid {args.hours:g} h, once:")
    print(Enrolment(info["url"], info["fingerprint"], code).token())
    return 0


def credentials_command(args: argparse.Namespace) -> int:
    from simdesk.hub.db import new_credentials, open_database

    engine = open_database(args.data)
    key, secret = new_credentials(engine, args.name)
    engine.dispose()
    print(f"{key} {secret}")
    return 0


def revoke_command(args: argparse.Namespace) -> int:
    from simdesk.hub.db import open_database, revoke_device

    engine = open_database(args.data)
    done = revoke_device(engine, args.device)
    engine.dispose()
    print(f"Revoked device {args.device}." if done else f"No active device {args.device}.")
    return 0 if done else 1
