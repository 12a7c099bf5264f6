"""Personal details in transcript words (redaction/speech/pii.py): the forms people say
them in, and the forms the recognisers write them in."""
from __future__ import annotations

import pytest

from redaction.speech import pii


def _found(text: str):
    w = text.split()
    return [(f.kind, " ".join(w[f.first:f.last + 1])) for f in pii.find(w)]


@pytest.mark.parametrize("text, kind, span", [
    ("my number is oh seven seven zero zero nine zero zero one two three thanks", "uk_phone",
     "oh seven seven zero zero nine zero zero one two three"),
    ("it's oh double seven oh oh nine double oh one two three ok", "uk_phone",
     "oh double seven oh oh nine double oh one two three"),
    ("call plus four four seven seven double oh nine hundred one two three", "uk_phone",
     "plus four four seven seven double oh nine hundred one two three"),
    ("Yes, it is. No seven, seven, zero, zero, nine, zero, zero, one, two, three. And",
     "uk_phone", "No seven, seven, zero, zero, nine, zero, zero, one, two, three."),
    ("phone me on 07700 900123 please", "uk_phone", "07700 900123"),
    ("the postcode is LS -1 -4 -B -B -Thank you", "postcode", "LS -1 -4 -B -B"),
    ("I live at SW1A 1AA now", "postcode", "SW1A 1AA"),
    ("postcode sierra whiskey one alpha one alpha alpha", "postcode",
     "sierra whiskey one alpha one alpha alpha"),
    ("the car was A B one two C D E", "plate", "A B one two C D E"),
    ("plate is AB12 CDE", "plate", "AB12 CDE"),
    ("email john dot smith at example dot co dot uk thanks", "email",
     "john dot smith at example dot co dot uk"),
    ("write to jo@example.org today", "email", "jo@example.org"),
    ("I was born on the twelfth of march nineteen eighty four right", "date_of_birth",
     "the twelfth of march nineteen eighty four"),
    ("date of birth third of May two thousand and five", "date_of_birth",
     "third of May two thousand and five"),
    ("my date of birth is 12/03/1984", "date_of_birth", "12/03/1984"),
    ("card ending four four five five six six", "digits", "four four five five six six"),
])
def test_found(text, kind, span):
    assert (kind, span) in _found(text)


@pytest.mark.parametrize("text", [
    "I saw a man at the shop at ten",
    "he left in march last year",         # a date, but no birth: not proposed
    "we have two cars and one dog",
    "I am at home",
])
def test_not_found(text):
    assert _found(text) == []


def test_digits_inside_a_phone_number_are_one_finding():
    assert [k for k, _ in _found("oh seven seven zero zero nine zero zero one two three")] \
        == ["uk_phone"]


@pytest.mark.parametrize("text,kind,span", [
    # what Whisper tiny.en made of "my postcode is S W one A, one A A" on an espeak clip
    ("and my post code in W1A 1A 1Q not everything", "postcode", "W1A 1A 1Q"),
    ("the reg is alpha bravo one two charlie thanks", "plate", "alpha bravo one two charlie"),
    ("vehicle registration kilo one nine x-ray", "plate", "kilo one nine x-ray"),
])
def test_a_cue_word_proposes_what_follows_even_when_misheard(text, kind, span):
    assert (kind, span) in _found(text)


def test_a_cue_word_alone_proposes_nothing():
    assert _found("what is your postcode then") == []
    assert _found("the registration office closes at four") == []
