"""``simdesk sync``: send pending statements to the programme hub; enrol; status; opt out."""

from __future__ import annotations

import argparse
import json

from simdesk.core.paths import locations


def register(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="send anonymised progress to the programme hub")
    sync.set_defaults(handler=send_command)
    cmds = sync.add_subparsers(dest="sync_command", metavar="COMMAND")
    enrol = cmds.add_parser("enrol", help="enrol this device with a token from the hub admin")
    enrol.add_argument("token")
    enrol.set_defaults(handler=enrol_command)
    status = cmds.add_parser("status", help="what is pending, sent, quarantined, and problems")
    status.set_defaults(handler=status_command)
    pending = cmds.add_parser("pending", help="print the pending statements (exactly what is sent)")
    pending.set_defaults(handler=pending_command)
    lrs = cmds.add_parser("lrs", help="send to a programme's own xAPI LRS instead of a hub")
    lrs.add_argument("endpoint", help="the LRS's xAPI endpoint, e.g. https://lrs.example/xapi")
    lrs.add_argument("key")
    lrs.add_argument("secret")
    lrs.add_argument("--fingerprint", default="", help="pin this certificate (sha256 hex)")
    lrs.add_argument("--gzip", action="store_true", help="the LRS accepts gzip request bodies")
    lrs.set_defaults(handler=lrs_command)
    for name, out in (("opt-out", True), ("opt-in", False)):
        opt = cmds.add_parser(name, help=f"{name.replace('-', ' ')} of sharing for a profile")
        opt.add_argument("name")
        opt.set_defaults(handler=opt_command, out=out)


def _outbox():
    from simdesk.app.session import Session
    from simdesk.core.sync.outbox import Outbox

    manager = Session(locations().ensure()).profiles
    return manager, Outbox(manager.device)


def send_command(_args: argparse.Namespace) -> int:
    manager, outbox = _outbox()
    try:
        report = outbox.sync()
    finally:
        manager.close()
    print(f"{report.sent} sent, {report.pending} pending, {report.quarantined} quarantined")
    for sid in report.newly_quarantined:
        print(f"quarantined {sid}: the hub holds this id with other content")
    if report.problem:
        print(f"problem: {report.problem}\nfix: {report.fix}")
        return 1
    return 0


def enrol_command(args: argparse.Namespace) -> int:
    manager, outbox = _outbox()
    try:
        site = outbox.enrol(args.token)
    finally:
        manager.close()
    print(f"Enrolled this device with the programme hub as site {site!r}.")
    return 0


def status_command(_args: argparse.Namespace) -> int:
    manager, outbox = _outbox()
    try:
        s = outbox.status()
    finally:
        manager.close()
    print(f"hub: {s.hub or 'not enrolled'}" + (f" (site {s.site})" if s.site else ""))
    print(f"pending {s.pending}, sent {s.sent}, quarantined {len(s.quarantined)}")
    print(f"last sent: {s.last_sent or 'never'}; last try: {s.last_try or 'never'}")
    for sid, why in s.quarantined:
        print(f"quarantined {sid}: {why}")
    if s.problem:
        print(f"problem: {s.problem}\nfix: {s.fix}")
    return 0


def pending_command(_args: argparse.Namespace) -> int:
    manager, outbox = _outbox()
    try:
        rows = outbox.pending_batch(1_000_000)
    finally:
        manager.close()
    print(json.dumps([json.loads(r.body) for r in rows], indent=2))
    return 0


def lrs_command(args: argparse.Namespace) -> int:
    manager, outbox = _outbox()
    try:
        outbox.use_lrs(
            args.endpoint, args.key, args.secret, fingerprint=args.fingerprint, compress=args.gzip
        )
    finally:
        manager.close()
    print(f"This device now sends to the LRS at {args.endpoint}.")
    return 0


def opt_command(args: argparse.Namespace) -> int:
    from simdesk.core.store.profiles import profile_slug

    manager, outbox = _outbox()
    try:
        manager.get(args.name)
        outbox.set_opt_out(profile_slug(args.name), args.out)
    finally:
        manager.close()
    state = "will not share" if args.out else "shares"
    print(f"{args.name} {state} anonymised progress with the programme.")
    return 0
