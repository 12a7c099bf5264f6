"""The machine policy file: location, validation (one-line errors), precedence, export style."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from redaction import policy
from redaction.policy import PolicyError, effective, load_policy

from helpers import decode_all, run_bwv


@pytest.fixture
def policy_file(tmp_path, monkeypatch):
    path = tmp_path / "policy.json"
    monkeypatch.setenv("BWV_POLICY_FILE", str(path))

    def write(doc, name=None):
        p = path if name is None else tmp_path / name
        if name:
            monkeypatch.setenv("BWV_POLICY_FILE", str(p))
        p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        return p
    return write


FULL = {"retention_days": 45, "default_style": "pixelate",
        "redaction_reasons": ["Third party", "Vehicle registration"],
        "four_eyes_approval": True, "database_url": "postgresql+psycopg://bwv:secret@db/bwv"}


def test_no_file_means_no_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("BWV_POLICY_FILE", str(tmp_path / "absent.json"))
    pol = load_policy(reload=True)
    assert pol.path is None and pol.values == {}
    assert effective("default_style", "blur") == "blur"
    assert "No machine policy" in pol.describe()[0]


def test_full_policy_overrides_user_values(policy_file):
    p = policy_file(FULL)
    pol = load_policy(reload=True)
    assert pol.path == p
    assert pol.values == FULL
    assert effective("default_style", "solid") == "pixelate"
    assert effective("four_eyes_approval", False) is True
    assert effective("retention_days", 31) == 45
    text = "\n".join(pol.describe())
    assert "secret" not in text and "bwv:***@db" in text and "Third party; Vehicle" in text


def test_partial_policy_leaves_other_keys_to_the_user(policy_file):
    policy_file({"four_eyes_approval": False})
    assert effective("four_eyes_approval", True) is False
    assert effective("default_style", "blur") == "blur"


def test_toml_policy(policy_file):
    policy_file('retention_days = 10\ndefault_style = "solid"\nredaction_reasons = ["A"]\n',
                name="policy.toml")
    assert load_policy(reload=True).values == {"retention_days": 10, "default_style": "solid",
                                               "redaction_reasons": ["A"]}


@pytest.mark.parametrize("doc, words", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "must be an object"),
    ({"retension_days": 3}, "unknown policy key 'retension_days'"),
    ({"retention_days": 0}, "retention_days must be"),
    ({"retention_days": True}, "retention_days must be"),
    ({"default_style": "smudge"}, "default_style must be one of solid, pixelate, blur"),
    ({"redaction_reasons": []}, "redaction_reasons must be"),
    ({"redaction_reasons": ["a", " "]}, "redaction_reasons must be"),
    ({"redaction_reasons": ["a", "a"]}, "twice"),
    ({"four_eyes_approval": "yes"}, "four_eyes_approval must be true or false"),
    ({"database_url": "dbhost"}, "database_url must be a URL"),
    ('{"four_eyes_approval": true, "retention_days": 9, "four_eyes_approval": false}',
     "the key 'four_eyes_approval' is given twice"),
])
def test_invalid_policy_is_one_line_error_naming_the_file(policy_file, doc, words):
    p = policy_file(doc)
    with pytest.raises(PolicyError) as e:
        load_policy(reload=True)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg and words in msg


def test_edits_are_picked_up_by_file_state(policy_file):
    p = policy_file({"retention_days": 5})
    assert load_policy().get("retention_days") == 5
    p.write_text(json.dumps({"retention_days": 600}), encoding="utf-8")
    os.utime(p, ns=(1, 1))  # a different mtime even on coarse clocks
    assert load_policy().get("retention_days") == 600


def test_platform_location_without_env(monkeypatch):
    monkeypatch.delenv("BWV_POLICY_FILE", raising=False)
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", None)   # the real platform location
    paths = policy.system_paths()
    assert paths[0].name == "policy.json" and paths[1].name == "policy.toml"
    if os.name == "posix":
        assert str(paths[0]).startswith(("/etc/bwv-workstation", "/Library"))


def test_windows_location_is_not_taken_from_the_programdata_variable(tmp_path, monkeypatch):
    """%PROGRAMDATA% is the user's to set: it pointed the program at a "machine policy" the
    user wrote (four-eyes off, another database), trusted as the administrator's."""
    fake = tmp_path / "BWV Workstation"
    fake.mkdir()
    (fake / "policy.json").write_text(json.dumps({"four_eyes_approval": False}))
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", None)
    monkeypatch.setattr(policy.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path))
    monkeypatch.delenv("BWV_POLICY_FILE", raising=False)
    assert not any(str(p).startswith(str(tmp_path)) for p in policy.system_paths())
    pol = load_policy(reload=True)
    assert not pol.machine and not pol.is_set("four_eyes_approval")


def _project_with_box(clip_copy, tmp_path):
    clip = clip_copy("basic")
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("project", "new", str(clip), "--out", str(proj))
    assert r.returncode == 0, r.stderr
    r = run_bwv("project", "add-track", str(proj), "--frame", "0", "--box", "100,60,80,80",
                "--end-frame", "49", "--reason", "third party")
    assert r.returncode == 0, r.stderr
    r = run_bwv("project", "decide", str(proj), "all-pending", "--status", "accepted",
                "--reason", "third party")
    assert r.returncode == 0, r.stderr
    return proj


def _export(proj, out, *extra, env=None):
    return run_bwv("export", str(proj), "--out", str(out), "--operator", "PC 1", "--recipient",
                   "R", "--organisation", "CPS", "--basis", "test", "--quiet", *extra, env=env)


def test_policy_default_style_applies_to_new_projects_unless_export_names_one(policy_file,
                                                                              clip_copy, tmp_path):
    policy_file({"default_style": "pixelate"})
    proj = _project_with_box(clip_copy, tmp_path)
    assert json.loads(proj.read_text())["style"]["mode"] == "pixelate"
    r = _export(proj, tmp_path / "a.mp4")
    assert r.returncode == 0, r.stderr
    man = json.loads((tmp_path / "a.manifest.json").read_text())
    assert man["style"]["mode"] == "pixelate"
    inner = decode_all(tmp_path / "a.mp4", "rgb24")[5][75:125, 115:165].astype(int)
    assert inner.std() > 3  # pixelated, not a flat fill
    r = _export(proj, tmp_path / "b.mp4", "--style", "solid")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "b.manifest.json").read_text())["style"]["mode"] == "solid"
    inner = decode_all(tmp_path / "b.mp4", "rgb24")[5][75:125, 115:165].astype(int)
    assert np.abs(inner).mean() < 8


def test_invalid_policy_stops_export_with_one_line(policy_file, clip_copy, tmp_path):
    proj = _project_with_box(clip_copy, tmp_path)
    p = policy_file({"default_style": 3})
    r = _export(proj, tmp_path / "c.mp4")
    assert r.returncode != 0
    assert str(p) in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c.mp4").exists() and not (tmp_path / "c.manifest.json").exists()


@pytest.fixture
def machine_policy(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir(mode=0o755)
    path = folder / "policy.json"
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [path])
    return path


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes and links")
def test_a_machine_policy_link_to_nothing_is_refused_not_ignored(machine_policy, tmp_path):
    machine_policy.symlink_to(tmp_path / "gone.json")
    with pytest.raises(PolicyError, match="link to nothing") as e:
        load_policy(reload=True)
    assert str(machine_policy) in str(e.value)


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.parametrize("file_mode,folder_mode,words", [(0o666, 0o755, "policy file can be changed"),
                                                         (0o664, 0o755, "policy file can be changed"),
                                                         (0o644, 0o777, "policy's folder can be changed"),
                                                         (0o644, 0o775, "policy's folder can be changed")])
def test_a_machine_policy_others_can_change_is_refused(machine_policy, file_mode, folder_mode, words):
    machine_policy.write_text(json.dumps({"four_eyes_approval": True}))
    machine_policy.chmod(file_mode)
    machine_policy.parent.chmod(folder_mode)
    with pytest.raises(PolicyError, match=words):
        load_policy(reload=True)
    machine_policy.chmod(0o644)
    machine_policy.parent.chmod(0o755)
    assert load_policy(reload=True).get("four_eyes_approval") is True


def test_a_machine_policy_in_both_json_and_toml_is_refused(machine_policy):
    """The installer lays down policy.json; IT writing policy.toml beside it (the README
    offers either) had it silently ignored: the defaults stayed in force."""
    machine_policy.write_text(json.dumps({"four_eyes_approval": True}))
    toml = machine_policy.with_suffix(".toml")
    toml.write_text('database_url = "postgresql+psycopg://bwv@db/bwv"\n')
    policy.SYSTEM_POLICY_PATHS[:] = [machine_policy, toml]
    with pytest.raises(PolicyError, match="two machine policy files") as e:
        load_policy(reload=True)
    assert str(machine_policy.parent) in str(e.value) and "policy.toml" in str(e.value)
    toml.unlink()
    assert load_policy(reload=True).get("four_eyes_approval") is True


@pytest.mark.skipif(os.name == "nt", reason="POSIX links")
def test_a_machine_policy_linked_into_a_folder_others_can_write_is_refused(machine_policy, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (shared / "real.json").write_text(json.dumps({"four_eyes_approval": True}))
    machine_policy.symlink_to(shared / "real.json")
    with pytest.raises(PolicyError, match="policy's folder can be changed") as e:
        load_policy(reload=True)
    assert str(shared) in str(e.value)
