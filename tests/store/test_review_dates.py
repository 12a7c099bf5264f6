"""A MoPI "retain" decision's next review date (QA s17): after today and within the policy's
review period from today (CLI and window); the window's default is the CLI's."""
from __future__ import annotations

import datetime as dt

import pytest

from redaction import services
from redaction.store import api, clips, policy, retention

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def evidential(store, new_clip):
    cid = api.import_clip(new_clip(), "INC-8", captured=NOW - dt.timedelta(days=10))["id"]
    api.classify(cid, "evidential", reason="shows the offence")
    return cid


def _due(store, cid):
    with store.session() as s:
        return clips.get_clip(s, cid).review_due


@pytest.mark.parametrize("when, words", [
    ("today", "is not in the future"),
    ("yesterday", "is not in the future"),
    ("2020-01-01", "is not in the future"),
    ("9999-12-31", "is beyond the policy's review period"),
    ("six years and a day", "is beyond the policy's review period"),
])
def test_next_review_outside_the_period_is_refused(store, evidential, bwv, when, words):
    today = retention.today_utc()
    latest = clips.review_due_for(NOW, 6)
    date = {"today": today, "yesterday": today - dt.timedelta(days=1),
            "six years and a day": latest + dt.timedelta(days=1)}.get(when, when)
    before = _due(store, evidential)
    rc, out, err = bwv("retention", "review", evidential, "--decision", "retain",
                       "--reason", "appeal pending", "--next", str(date))
    assert rc != 0 and len(err.strip().splitlines()) == 1 and words in err, err
    assert _due(store, evidential) == before


def test_next_review_inside_the_period_and_the_default(store, evidential, bwv):
    latest = clips.review_due_for(NOW, 6)
    rc, out, err = bwv("retention", "review", evidential, "--decision", "retain",
                       "--reason", "appeal pending", "--next", str(latest))
    assert rc == 0, err
    assert _due(store, evidential) == latest
    rc, out, err = bwv("retention", "review", evidential, "--decision", "retain",
                       "--reason", "appeal pending")
    assert rc == 0 and _due(store, evidential) == latest
    with store.session() as s:
        policy.set_value(s, "mopi_review_years", 3, "admin")
    # the window offers the CLI's default: the policy's period from today
    assert services.retention_overview().next_review == clips.review_due_for(NOW, 3)
    rc, out, err = bwv("retention", "review", evidential, "--decision", "retain",
                       "--reason", "appeal pending", "--next", str(latest))
    assert rc != 0 and "beyond the policy's review period" in err
