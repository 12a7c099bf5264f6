"""`bwv user`: first-run set-up, accounts and roles, login/logout."""
from __future__ import annotations

import shlex

from .. import access, services
from ..errors import BwvError, PermissionDenied
from ..store import api, users
from ..store.db import database_url, open_store
from ..store.models import ROLES
from .storeutil import claimed_user, new_password, password, print_json, table


ROLE_HELP = ("reviewer (view, annotate), disclosure-officer (also import, redact, export, "
             "requests), supervisor (also classify, approve exports, retention, audit), "
             "administrator (accounts and policy; no footage)")


def _role_name(text: str) -> str:
    """``disclosure-officer`` or ``disclosure_officer`` -> ``disclosure_officer``."""
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _role_arg(q, *names, **kw) -> None:
    q.add_argument(*names, type=_role_name, choices=list(ROLES),
                   metavar="{" + ",".join(r.replace("_", "-") for r in ROLES) + "}",
                   help=ROLE_HELP, **kw)


def register(sub) -> None:
    p = sub.add_parser("user", help="user accounts, roles and login")
    us = p.add_subparsers(dest="user_cmd", metavar="ACTION", required=True)

    def pw_opt(q):
        q.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")

    q = us.add_parser("setup", help="first run: create the first administrator")
    q.add_argument("username")
    pw_opt(q)
    q.set_defaults(func=_setup)

    q = us.add_parser("add", help="add a user (administrator)")
    q.add_argument("username")
    _role_arg(q, "--role", required=True)
    pw_opt(q)
    q.set_defaults(func=_add)

    q = us.add_parser("list", help="list users (administrator)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)

    for name, hlp in (("disable", "disable an account"), ("enable", "re-enable an account"),
                      ("unlock", "clear a lockout")):
        q = us.add_parser(name, help=f"{hlp} (administrator)")
        q.add_argument("username")
        q.set_defaults(func=lambda a, n=name: _simple(a, n))

    q = us.add_parser("role", help="change a user's role (administrator)")
    q.add_argument("username")
    _role_arg(q, "role")
    q.set_defaults(func=_role)

    q = us.add_parser("passwd", help="change a password (your own, or any as administrator)")
    q.add_argument("username", nargs="?")
    pw_opt(q)
    q.set_defaults(func=_passwd)

    q = us.add_parser("login", help="start a session (kept in the config folder)")
    q.add_argument("username")
    pw_opt(q)
    q.set_defaults(func=_login)

    q = us.add_parser("logout", help="end the session")
    q.set_defaults(func=_logout)

    q = us.add_parser("whoami", help="who is acting, and with which role")
    q.set_defaults(func=_whoami)

    # short aliases: `bwv login`, `bwv logout`
    q = sub.add_parser("login", help="start a session (same as `bwv user login`)")
    q.add_argument("username")
    pw_opt(q)
    q.set_defaults(func=_login)
    q = sub.add_parser("logout", help="end the session (same as `bwv user logout`)")
    q.set_defaults(func=_logout)
    q = sub.add_parser("whoami", help="who is acting, and with which role (same as "
                                      "`bwv user whoami`)")
    q.set_defaults(func=_whoami)


def _setup(args) -> int:
    with open_store().session() as s:
        if users.user_count(s):
            raise BwvError("the store is already set up; an administrator adds users "
                           "with `bwv user add`")
    pw = new_password(args, f"Password for administrator {args.username}")
    api.setup(args.username, pw)
    q = shlex.quote(args.username)
    print(f"administrator {args.username} created; role checks are now enforced.")
    print(f"An administrator manages accounts and policy but cannot import or view footage: "
          f"log in with `bwv login {q}`, then add the people who do the work, e.g. "
          f"`bwv user add pc123 --role disclosure-officer` and "
          f"`bwv user add sgt45 --role supervisor` (roles: {ROLE_HELP}).")
    return 0


def _add(args) -> int:
    who = services.authorise("administer", claimed_user(args))
    pw = new_password(args, f"Password for {args.username}")
    with open_store().session() as s:
        u = users.add_user(s, args.username, args.role, pw, who)
        print(f"user {u.username} added ({u.role.replace('_', ' ')})")
    return 0


def _list(args) -> int:
    services.authorise("administer", claimed_user(args))
    with open_store().session() as s:
        rows = [{"user": u.username, "role": u.role, "disabled": u.disabled,
                 "failed_logins": u.failed_logins,
                 "locked_until": u.locked_until.isoformat() if u.locked_until else None,
                 "created": u.created_at.isoformat(), "created_by": u.created_by}
                for u in users.list_users(s)]
    if args.json:
        print_json(rows)
    else:
        table([[r["user"], r["role"], "disabled" if r["disabled"] else "active",
                r["locked_until"] or ""] for r in rows], ["USER", "ROLE", "STATE", "LOCKED UNTIL"])
    return 0


def _simple(args, name: str) -> int:
    who = services.authorise("administer", claimed_user(args))
    with open_store().session() as s:
        if name == "unlock":
            users.unlock(s, args.username, who)
        else:
            users.set_disabled(s, args.username, name == "disable", who)
    print(f"user {args.username}: {name}{'ed' if name == 'unlock' else 'd'}")
    return 0


def _role(args) -> int:
    u = api.set_role(args.username, args.role, claimed_user(args))
    print(f"user {u.username} is now {u.role.replace('_', ' ')}")
    return 0


def _passwd(args) -> int:
    target = args.username or access.default_user()
    who = services.authorise_user(claimed_user(args))
    if target != who:  # someone else's password: administrators only
        services.authorise("administer", who)
    pw = new_password(args, f"New password for {target}")
    sess = access.read_session_file() or {}
    mine = sess.get("token") if target == who and sess.get("user") == who else None
    with open_store().session() as s:
        users.set_password(s, target, pw, who, keep_token=mine)
    print(f"password changed for {target}")
    return 0


def _login(args) -> int:
    pw = password(args, args.username)
    token, expires = api.start_session(args.username, pw)
    access.write_session_file(args.username, token, expires.isoformat(), database_url())
    print(f"logged in as {args.username} until {expires:%Y-%m-%d %H:%M} UTC")
    return 0


def _logout(args) -> int:
    sess = access.read_session_file()
    if not sess:
        print("not logged in")
        return 0
    try:
        api.end_session(sess.get("token", ""))
    finally:
        access.remove_session_file()
    print(f"logged out {sess.get('user')}")
    return 0


def _whoami(args) -> int:
    m = access.mode()
    if m.kind == "locked":
        print(m.reason)
        return PermissionDenied.exit_code
    if m.kind == "standalone":
        print(f"{claimed_user(args) or access.default_user()} ({m.label}: no user accounts; "
              "run `bwv user setup NAME` to enforce roles)")
        return 0
    sess = access.read_session_file()
    with m.store.session() as s:
        u = users.session_user(s, sess["token"]) if sess and sess.get("token") else None
        if u is None:
            print("not logged in" + (f" ({m.label})" if m.label else ""))
            return 1
        print(f"{u.username} ({u.role.replace('_', ' ')})" + (f", {m.label}" if m.label else ""))
    return 0
