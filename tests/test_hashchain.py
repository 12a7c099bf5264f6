"""The one hash chain (redaction/hashchain.py) and the edit log's use of it, old logs included."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from redaction import hashchain
from redaction.editlog import GENESIS, EditLog, canonical, entry_hash
from redaction.errors import IntegrityError


def test_canonical_json_is_sorted_compact_utf8_and_strict():
    assert hashchain.canonical({"b": 1, "a": "é", "c": [1.5, None]}) == \
        '{"a":"é","b":1,"c":[1.5,null]}'.encode("utf-8")
    with pytest.raises(ValueError):
        hashchain.canonical({"x": float("nan")})
    with pytest.raises(TypeError):
        hashchain.canonical({"x": object()})
    assert canonical({"a": 1}) == hashchain.canonical({"a": 1})  # the edit log's name


def test_entry_hash_is_sha256_or_hmac_under_a_key():
    body = {"v": 2, "seq": 1, "prev": GENESIS}
    data = hashchain.canonical(body)
    assert hashchain.entry_hash(body) == hashlib.sha256(data).hexdigest()
    key = b"k" * 32
    assert hashchain.entry_hash(body, key) == hmac.new(key, data, hashlib.sha256).hexdigest()
    assert hashchain.entry_hash(body, key) != hashchain.entry_hash(body, b"j" * 32)


def _chain(n, key=None):
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        body = {"v": 2, "seq": i, "x": i * 10, "prev": prev}
        out.append({**body, "hash": hashchain.entry_hash(body),
                    "mac": hashchain.entry_hash(body, key) if key else None})
        prev = out[-1]["hash"]
    return out


def _link(key=None):
    def link(e):
        body = {k: v for k, v in e.items() if k not in ("hash", "mac")}
        return hashchain.Link(e["seq"], e["prev"], e["hash"], hashchain.entry_hash(body),
                              e["mac"], hashchain.entry_hash(body, key) if key else None)
    return link


def test_walk_accepts_an_intact_chain_and_reports_its_head():
    es = _chain(4, b"k" * 32)
    r = hashchain.walk(es, _link(b"k" * 32))
    assert r.ok and r.count == 4 and r.macs == 4
    assert (r.head_seq, r.head_hash) == (4, es[-1]["hash"]) and r.first is None


@pytest.mark.parametrize("tamper, position, kind", [
    (lambda es: es[2].update(x=99), 3, hashchain.HASH),
    (lambda es: es.pop(1), 2, hashchain.SEQ),
    (lambda es: es.insert(1, es.pop(2)), 2, hashchain.SEQ),
])
def test_walk_names_the_first_broken_entry(tamper, position, kind):
    es = _chain(5)
    tamper(es)
    r = hashchain.walk(es, _link())
    assert not r.ok and (r.first.position, r.first.kind) == (position, kind)
    one = hashchain.walk(es, _link(), first_only=True)
    assert one.breaks == [r.first]


def test_a_recomputed_hash_does_not_survive_the_mac():
    key = b"k" * 32
    es = _chain(3, key)
    body = {"v": 2, "seq": 2, "x": 99, "prev": es[0]["hash"]}
    es[1].update(x=99, hash=hashchain.entry_hash(body))  # hash recomputed, MAC not
    es[2]["prev"] = es[1]["hash"]
    es[2]["hash"] = hashchain.entry_hash({k: v for k, v in es[2].items()
                                          if k not in ("hash", "mac")})
    r = hashchain.walk(es, _link(key))
    assert [(b.seq, b.kind) for b in r.breaks] == [(2, hashchain.MAC), (3, hashchain.MAC)]
    stripped = [dict(e, mac=None) if e["seq"] >= 2 else e for e in es]
    r = hashchain.walk(stripped, _link(key), mac_once_started=True)
    assert r.first.seq == 2 and r.first.kind == hashchain.MAC_MISSING


def test_legacy_rules_are_the_rules_old_entries_were_written_under():
    body = {"seq": 1, "time": "t", "user": "u", "action": "a", "details": {"n": float("nan")},
            "prev": GENESIS}
    old = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashchain.legacy_editlog_hash(body) == hashlib.sha256(old.encode()).hexdigest()
    old = json.dumps([1, "ts", "u", "login", "a", "{}", GENESIS], sort_keys=True,
                     separators=(",", ":"), ensure_ascii=False, default=str)
    assert hashchain.legacy_audit_hash(1, "ts", "u", "login", "a", "{}", GENESIS) == \
        hashlib.sha256(old.encode()).hexdigest()


# --- the edit log -------------------------------------------------------------------------

def _old_format_log(path, n=3):
    """Lines exactly as the previous version wrote them (no "v"; its own sha256 rule)."""
    prev, lines = GENESIS, []
    for i in range(1, n + 1):
        e = {"seq": i, "time": f"2026-01-0{i}T10:00:00.000Z", "user": "alice",
             "action": "add_track", "details": {"track": f"t{i}", "name": "Zoë"}, "prev": prev}
        data = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        e["hash"] = hashlib.sha256(data.encode("utf-8")).hexdigest()
        lines.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
        prev = e["hash"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_old_format_edit_log_still_verifies_and_new_entries_carry_v2(tmp_path):
    p = tmp_path / "case.editlog.jsonl"
    _old_format_log(p)
    log = EditLog(p)
    assert [e["seq"] for e in log.verify()] == [1, 2, 3]
    e = log.append("bob", "set_status", {"track": "t1"})
    assert e["v"] == 2 and e["hash"] == hashchain.entry_hash(
        {k: v for k, v in e.items() if k != "hash"})
    assert entry_hash(e) == e["hash"]
    assert len(EditLog(p).verify()) == 4


def test_old_format_edit_log_edit_is_still_caught(tmp_path):
    p = tmp_path / "case.editlog.jsonl"
    _old_format_log(p)
    p.write_text(p.read_text("utf-8").replace('"t2"', '"t9"'), encoding="utf-8")
    with pytest.raises(IntegrityError, match="edit log entry 2: content does not match"):
        EditLog(p).verify()


def test_switching_an_entry_to_the_other_rule_is_caught(tmp_path):
    p = tmp_path / "case.editlog.jsonl"
    log = EditLog(p)
    for i in range(3):
        log.append("alice", "add_track", {"track": f"t{i}"})
    lines = [json.loads(x) for x in p.read_text("utf-8").splitlines()]
    del lines[1]["v"]  # claim the legacy rule for a v2 entry: its hash no longer matches
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match="edit log entry 2: content does not match"):
        EditLog(p).verify()
    lines[1]["v"] = 7
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match="edit log entry 2: unknown hash version 7"):
        EditLog(p).verify()


def test_edit_log_breaks_are_named(tmp_path):
    p = tmp_path / "case.editlog.jsonl"
    log = EditLog(p)
    for i in range(4):
        log.append("alice", "add_track", {"track": f"t{i}"})
    lines = p.read_text("utf-8").splitlines()
    p.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match="edit log entry 2: sequence number is 3"):
        EditLog(p).verify()
