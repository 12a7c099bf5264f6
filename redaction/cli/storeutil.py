"""Shared helpers for the store commands (case, request, retention, audit, user)."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys

from ..errors import BwvError


def claimed_user(args) -> str | None:
    """The --user given on the command line (None: the logged-in or default user)."""
    return getattr(args, "user", None) or None


def print_json(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def table(rows: list[list], headers: list[str]) -> None:
    rows = [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def parse_date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BwvError(f"bad {what} {text!r}: use YYYY-MM-DD") from None


def new_password(args, prompt: str = "New password") -> str:
    """--password-stdin, else $BWV_NEW_PASSWORD, else a prompt typed twice."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise BwvError("no password on standard input")
        return line
    if os.environ.get("BWV_NEW_PASSWORD"):
        return os.environ["BWV_NEW_PASSWORD"]
    if not sys.stdin.isatty():
        raise BwvError("no password: use --password-stdin or a terminal")
    a = getpass.getpass(f"{prompt}: ")
    b = getpass.getpass(f"{prompt} (again): ")
    if a != b:
        raise BwvError("the passwords do not match")
    return a


def password(args, user: str) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get("BWV_PASSWORD"):
        return os.environ["BWV_PASSWORD"]
    if not sys.stdin.isatty():
        raise BwvError("no password: use --password-stdin, BWV_PASSWORD or a terminal")
    return getpass.getpass(f"Password for {user}: ")
