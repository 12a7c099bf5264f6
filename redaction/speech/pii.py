"""Personal details spoken aloud, found in a transcript's words.

The words are read as a stream of *units*: digits (``"oh"``, ``"nought"``, ``"seven"``,
``"double three"``, ``"077"``, ``"nineteen eighty"``), letters (single letters, letter
names such as ``"zed"``, the NATO alphabet, short capitals such as ``"LS"``, mixed tokens
such as ``"SW1A"``) and plain words. Patterns are matched over the units and mapped back to
the words they came from:

* ``uk_phone``: 10-12 digits from a leading 0 (a leading "oh" misheard as "no" counts),
  ``plus four four`` and 9-10 more, or 9-13 digits after "phone", "number", "mobile"...
  ("or" between digits is read as a misheard "oh")
* ``postcode``: a UK postcode (``SW1A 1AA``, ``LS1 4DP``, ``M1 1AE``), or any run of letters
  and digits said within four words after "postcode" / "post code" (misrecognised ones too)
* ``plate``: a current-format UK number plate (``AB12 CDE``), or a run of letters and digits
  after "registration", "reg", "number plate", "index" or "VRM"
* ``email``: a word with ``@``, or ``name at domain dot tld``
* ``date_of_birth``: a date within ten words after "born", "birth", "birthday" or "DOB":
  day and month name (``twenty first of June``), with a year of four or two figures
  (``1984``, ``nineteen eighty four``, ``eighty four``, ``'84``) or none; or day, month
  number and year (``the 3rd of the 3rd, 1984``, ``12/03/1984``)
* ``ni_number``: a National Insurance number (``QQ 12 34 56 C``: two letters, six digits, a
  letter A-D), letters and digits alike
* ``digits``: any other run of four or more digits (account, card, licence numbers)

Digit runs that the recogniser broke apart are joined first: two runs separated by at most
two filler words (``"or"``, ``"and"``, ``"I'm"``, ``"uh"``...) or by none, and, where word
times are given, by at most :data:`JOIN_GAP_S` seconds from the last digit of one to the first
of the next, are one number ("a 770 or 090, I'm 0 123"), so its proposal covers the gap.

Recognition errors move letters and digits, so the patterns are lenient (a phone number
one digit long or short still counts): every finding is a *pending proposal* that a person
reviews, never a silent redaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

KINDS = ("uk_phone", "ni_number", "plate", "postcode", "email", "date_of_birth",
         "digits")  # most specific first
LABELS = {"uk_phone": "UK phone number", "postcode": "UK postcode", "plate": "number plate",
          "email": "e-mail address", "date_of_birth": "date of birth",
          "ni_number": "National Insurance number", "digits": "spoken digit sequence"}

DIGITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
          "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
          "nine": "9", "won": "1", "to": None, "too": None, "for": None, "ate": None}
TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
         "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19"}
TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
        "eighty": "8", "ninety": "9"}
NATO = {"alpha": "A", "alfa": "A", "bravo": "B", "charlie": "C", "delta": "D", "echo": "E",
        "foxtrot": "F", "golf": "G", "hotel": "H", "india": "I", "juliet": "J", "juliett": "J",
        "kilo": "K", "lima": "L", "mike": "M", "november": "N", "oscar": "O", "papa": "P",
        "quebec": "Q", "romeo": "R", "sierra": "S", "tango": "T", "uniform": "U",
        "victor": "V", "whiskey": "W", "whisky": "W", "whiski": "W", "x-ray": "X", "xray": "X",
        "yankee": "Y", "zulu": "Z"}
LETTER_NAMES = {"bee": "B", "cee": "C", "dee": "D", "ee": "E", "eff": "F", "gee": "G",
                "aitch": "H", "haitch": "H", "jay": "J", "kay": "K", "el": "L", "em": "M",
                "en": "N", "pee": "P", "cue": "Q", "queue": "Q", "ar": "R", "ess": "S",
                "tee": "T", "vee": "V", "ex": "X", "zed": "Z", "zee": "Z"}
MONTHS = {m: n + 1 for n, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"))}
ORDINALS = {w: n + 1 for n, w in enumerate(
    ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
     "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
     "seventeenth", "eighteenth", "nineteenth", "twentieth"))}
ORDINALS.update({"thirtieth": 30})
BIRTH = ("born", "birth", "birthday", "dob", "d.o.b")
TLDS = {"com", "uk", "org", "net", "gov", "police", "io", "info", "ac", "nhs", "me", "biz"}

POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
PLATE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}")
NINO = re.compile(r"[A-Z]{2}[0-9]{6}[A-D]")      # lenient (recall first): any two letters


@dataclass(frozen=True)
class Finding:
    kind: str
    first: int          # word indices, inclusive
    last: int
    text: str           # what was matched, normalised (digits, letters)

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _clean(w: str) -> str:
    return re.sub(r"[^\w@.'/-]", "", w).strip(".,'-/").lower()


def units(words: list[str]) -> list[tuple[str, str, int]]:
    """(type, value, word index) for each unit: type ``d`` digit, ``l`` letter, ``w`` word."""
    out: list[tuple[str, str, int]] = []
    repeat, rep_at = 1, 0
    for i, raw in enumerate(words):
        w = _clean(raw)
        bare = re.sub(r"[^a-z0-9]", "", w)
        if w in ("double", "treble", "triple"):
            repeat, rep_at = (2 if w == "double" else 3), i
            continue
        vals: list[tuple[str, str]] = []
        if not bare:
            continue
        if bare.isdigit():
            vals = [("d", c) for c in bare]
        elif w in DIGITS and DIGITS[w] is not None:
            vals = [("d", DIGITS[w])]
        elif w == "or" and out and out[-1][0] == "d" and out[-1][2] == i - 1 and \
                i + 1 < len(words) and re.sub(r"[^0-9]", "", words[i + 1])[:1].isdigit():
            vals = [("d", "0")]          # "oh" heard as "or" between digits ("770 or 0")
        elif w in TEENS:
            vals = [("d", c) for c in TEENS[w]]
        elif w in TENS:
            vals = [("d", TENS[w]), ("d", "0")]
        elif w == "hundred":
            vals = [("d", "0"), ("d", "0")]
        elif w in NATO:
            vals = [("l", NATO[w])]
        elif w in LETTER_NAMES:
            vals = [("l", LETTER_NAMES[w])]
        elif len(bare) == 1:
            vals = [("l", bare.upper())]
        elif any(c.isdigit() for c in bare) and len(bare) <= 8:    # SW1A, 1AA, 07700
            vals = [("d" if c.isdigit() else "l", c.upper()) for c in bare]
        elif 2 <= len(bare) <= 3 and raw.strip(".,?!").isupper():    # "LS", "SW"
            vals = [("l", c.upper()) for c in bare]
        else:
            vals = [("w", w)]
        # "seventy seven": the tens' 0 gives way to the unit digit
        if (vals and vals[0][0] == "d" and len(vals) == 1 and out and out[-1][2] == i - 1
                and _clean(words[i - 1]) in TENS and out[-1][1] == "0" and repeat == 1):
            out[-1] = ("d", vals[0][1], i)
            continue
        if repeat > 1 and len(vals) == 1 and vals[0][0] in "dl" and rep_at == i - 1:
            # "double seven": the first 7 is said with "double", so the span includes it
            out.append((vals[0][0], vals[0][1], rep_at))
            vals = vals * (repeat - 1)
        repeat = 1
        out.extend((t, v, i) for t, v in vals)
    return out


def _runs(us, types: str):
    """Maximal runs of consecutive units whose type is in ``types`` (no words between)."""
    run: list = []
    for u in us:
        if u[0] in types and (not run or u[2] - run[-1][2] <= 1):
            run.append(u)
        else:
            if run:
                yield run
            run = [u] if u[0] in types else []
    if run:
        yield run


# a pause or filler inside a number said in groups ("07700 ... uh ... 900123"): digit runs
# this close, with nothing between them but FILLERS, are one number (recall first: the gap
# between two proposals stays audible). The QA clip's gap was 1.76 s between the digits
# (1.50 s of it with no word at all).
JOIN_GAP_S = 2.0
JOIN_MAX_FILLERS = 2
FILLERS = {"a", "an", "and", "or", "uh", "uhm", "um", "umm", "er", "erm", "ah", "eh", "em",
           "hm", "hmm", "mm", "mhm", "i", "i'm", "im", "the", "it's", "its", "is", "so",
           "dash", "hyphen", "space"}


def _joinable(words, times, a_last: int, b_first: int) -> bool:
    """Whether digit runs ending at word ``a_last`` and starting at ``b_first`` are one
    number: at most JOIN_MAX_FILLERS filler words between them (punctuation alone is no
    word) and, with ``times``, at most JOIN_GAP_S seconds between their digits."""
    between = [w for w in (_clean(x) for x in words[a_last + 1:b_first])
               if re.sub(r"[^a-z0-9]", "", w)]
    if len(between) > JOIN_MAX_FILLERS or any(w not in FILLERS for w in between):
        return False
    return times is None or times[b_first][0] - times[a_last][1] <= JOIN_GAP_S


def _joined_runs(us, words, times):
    """Digit runs, those :func:`_joinable` merged into one."""
    out: list = []
    for run in _runs(us, "d"):
        if out and _joinable(words, times, out[-1][-1][2], run[0][2]):
            out[-1] = out[-1] + run
        else:
            out.append(run)
    return out


PHONE_WORDS = ("phone", "number", "mobile", "call", "ring", "contact", "landline", "text")
OH_MISHEARD = ("no", "know", "now", "o", "oh", "owe")   # a leading "oh" heard as a word


def _phones_and_digits(us, words, times=None) -> list[Finding]:
    out = []
    for run in _joined_runs(us, words, times):
        s = "".join(v for _, v, _ in run)
        first, last = run[0][2], run[-1][2]
        before = _clean(words[first - 1]) if first > 0 else ""
        if not s.startswith("0") and 9 <= len(s) <= 10 and before in OH_MISHEARD:
            s, first = "0" + s, first - 1      # "oh seven seven ..." heard as "no seven ..."
            before = _clean(words[first - 1]) if first > 0 else ""
        plus44 = s.startswith("44") and before == "plus"
        ctx = {_clean(w) for w in words[max(0, first - 12):first]}
        if (s.startswith("0") and 10 <= len(s) <= 12 or plus44 and 11 <= len(s) <= 13
                or 9 <= len(s) <= 13 and ctx & set(PHONE_WORDS)):
            out.append(Finding("uk_phone", first - 1 if plus44 else first, last, s))
        elif len(s) >= 4:
            out.append(Finding("digits", first, last, s))
    return out


def _alnum(us, pattern, kind) -> list[Finding]:
    out = []
    for run in _runs(us, "dl"):
        s = "".join(v for _, v, _ in run)
        for m in pattern.finditer(s):
            out.append(Finding(kind, run[m.start()][2], run[m.end() - 1][2], m.group()))
    return out


# words that announce a postcode or a plate: what follows is proposed even when recognition
# bent it out of the strict pattern ("S W one A, one A A" heard as "W1A 1A 1Q")
CUES = {"postcode": (("postcode",), ("post", "code"), ("postal", "code")),
        "plate": (("registration",), ("reg",), ("number", "plate"), ("index",), ("vrm",))}


def _cued(us, words) -> list[Finding]:
    """A run of letters and digits (both present, 4-9 characters) within four words after a
    cue: proposed as that kind."""
    low = [_clean(w) for w in words]
    out = []
    for run in _runs(us, "dl"):
        s = "".join(v for _, v, _ in run)
        if not (4 <= len(s) <= 9 and any(c.isdigit() for c in s) and any(c.isalpha() for c in s)):
            continue
        first = run[0][2]
        before = low[max(0, first - 4):first]
        for kind, cues in CUES.items():
            if any(before[k:k + len(c)] == list(c) for c in cues for k in range(len(before))):
                out.append(Finding(kind, first, run[-1][2], s))
                break
    return out


def _emails(words) -> list[Finding]:
    out = []
    low = [_clean(w) for w in words]
    for i, w in enumerate(low):
        if "@" in w and "." in w.split("@")[-1]:
            out.append(Finding("email", i, i, w))
    for i, w in enumerate(low):
        if w != "at" or i == 0:
            continue
        j, last = i + 1, None
        while j + 2 < len(low) + 1 and j + 1 < len(low) and low[j + 1] == "dot" and j + 2 < len(low):
            j += 2
            if low[j] in TLDS:
                last = j
        if last is None:
            continue
        k = i - 1                       # the name: words joined by "dot" / "underscore"
        while k >= 2 and low[k - 1] in ("dot", "underscore", "dash", "hyphen"):
            k -= 2
        out.append(Finding("email", k, last, " ".join(low[k:last + 1])))
    return out


def _number_at(low: list[str], i: int) -> Optional[int]:
    w = low[i] if 0 <= i < len(low) else ""
    if "-" in w:                                  # "twenty-first"
        parts = [_number_at([p], 0) if p not in TENS else int(TENS[p]) * 10 for p in w.split("-")]
        return sum(parts) if parts and all(v is not None for v in parts) else None
    w2 = re.sub(r"(st|nd|rd|th)$", "", w)
    if w2.isdigit():
        return int(w2)
    if w in ORDINALS:
        return ORDINALS[w]
    if w in TEENS:
        return int(TEENS[w])
    if w in DIGITS and DIGITS[w] is not None:
        return int(DIGITS[w])
    return None


def _day_start(low: list[str], k: int) -> int:
    """The first word of a day number ending at word ``k`` ("twenty first": the "twenty")."""
    if k > 0 and low[k - 1] in ("twenty", "thirty") and low[k] in {**ORDINALS, **DIGITS}:
        return k - 1
    return k


def _year_end(low: list[str], i: int, short: bool = False) -> Optional[int]:
    """Index of the last word of a year starting at word ``i`` (1984, nineteen eighty four,
    two thousand and five; with ``short`` also two figures: 84, '84, eighty four), or None."""
    if i >= len(low):
        return None
    if re.fullmatch(r"(19|20)\d\d", low[i]):
        return i
    if low[i] in ("nineteen", "twenty") and i + 1 < len(low) and (low[i + 1] in TENS or low[i + 1] in TEENS):
        return i + 2 if i + 2 < len(low) and low[i + 2] in DIGITS and low[i + 1] in TENS else i + 1
    if low[i] == "two" and i + 1 < len(low) and low[i + 1] == "thousand":
        j = i + 2
        if j < len(low) and low[j] == "and":
            j += 1
        return j if j < len(low) and (low[j] in DIGITS or low[j] in TEENS) else i + 1
    if short:
        if re.fullmatch(r"'?\d\d", low[i]):
            return i
        if low[i] in TENS:
            return i + 1 if i + 1 < len(low) and DIGITS.get(low[i + 1]) not in (None, "0") else i
    return None


def _birth_context(low: list[str], first: int) -> bool:
    ctx = " ".join(low[max(0, first - 10):first])
    return any(b in ctx for b in BIRTH) or "date of birth" in ctx


def _dates_of_birth(words) -> list[Finding]:
    low = [_clean(w) for w in words]
    out = []
    for m, w in enumerate(low):
        if w not in MONTHS:
            continue
        first = m
        k = m - 1 if m > 0 and low[m - 1] != "of" else m - 2
        if k >= 0 and low[k] == "the":
            k -= 1
        if k >= 0 and _number_at(low, k) is not None:
            first = _day_start(low, k)
            while first > 0 and low[first - 1] == "the":
                first -= 1
        last = m
        d = m + 2 if m + 2 < len(low) and low[m + 1] == "the" else m + 1   # "June the 21st"
        compound = d + 1 < len(low) and low[d] in ("twenty", "thirty") and \
            _number_at(low, d + 1) is not None        # "June the twenty first"
        if first == m and (compound or _number_at(low, d) is not None):
            last = d + 1 if compound else d
        if not _birth_context(low, first):
            continue
        y = _year_end(low, last + 1, short=True)
        if y is None and last + 1 < len(low) and low[last + 1] in ("in", "of"):
            y = _year_end(low, last + 2, short=True)
        # a day and month said after a birth cue is proposed without its year too
        out.append(Finding("date_of_birth", first, y if y is not None else last,
                           " ".join(low[first:(y if y is not None else last) + 1])))
    for i, w in enumerate(low):       # 12/03/1984
        if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", w) and _birth_context(low, i):
            out.append(Finding("date_of_birth", i, i, w))
    for i in range(len(low)):         # "the 3rd of the 3rd, 1984": a month by its number
        d = _number_at(low, i)
        if d is None or not 1 <= d <= 31 or not _birth_context(low, i):
            continue
        j = i + 1
        while j < len(low) and low[j] in ("of", "the"):
            j += 1
        if j == i + 1 or j >= len(low):
            continue
        mo = _number_at(low, j)
        if mo is None or not 1 <= mo <= 12:
            continue
        y = _year_end(low, j + 1, short=True)
        if y is not None:
            first = i - 1 if i > 0 and low[i - 1] == "the" else i
            out.append(Finding("date_of_birth", first, y, " ".join(low[first:y + 1])))
    return out


PRIORITY = {k: n for n, k in enumerate(KINDS)}
# current UK plates never use I or Q, nor Z in their first two letters (the memory tag)
NOT_IN_PLATES = re.compile(r"^[A-Z]{0,1}[IQZ]|[IQ]")


def _postcode_in_plate(found: list[Finding], words) -> list[Finding]:
    """A plate match that ends one word after a valid postcode, where that word is a letter
    no plate has (``"LS1 4DP. I was born"``: LS14DPI) or the article "a" (``"LS1 4DP a
    flat"``), is that postcode: relabelled, its range kept over the plate's words."""
    codes = [g for g in found if g.kind == "postcode"]
    out = []
    for f in found:
        g = next((g for g in codes if f.kind == "plate" and g.first == f.first
                  and g.last < f.last and f.text.startswith(g.text)), None)
        if g is not None:
            extra = [_clean(w) for w in words[g.last + 1:f.last + 1]]
            raw = [w.strip(".,?!;:") for w in words[g.last + 1:f.last + 1]]
            if NOT_IN_PLATES.search(f.text) or extra == ["a"] and raw == ["a"]:
                f = Finding("postcode", f.first, f.last, g.text)
        out.append(f)
    return out


def find(words: list[str], times: Optional[list[tuple[float, float]]] = None) -> list[Finding]:
    """Every finding, in word order; a finding inside a more specific one is dropped.
    ``times``: each word's (start, end) in seconds, so that digit runs far apart in time are
    not joined into one number (without them only the words between count)."""
    if times is not None and len(times) != len(words):
        raise ValueError("one (start, end) per word")
    us = units(words)
    found = (_phones_and_digits(us, words, times) + _alnum(us, NINO, "ni_number") + _alnum(us, PLATE, "plate")
             + _alnum(us, POSTCODE, "postcode") + _emails(words) + _dates_of_birth(words)
             + _cued(us, words))
    found = _postcode_in_plate(found, words)
    found.sort(key=lambda f: (f.first, -(f.last - f.first), PRIORITY[f.kind]))
    kept: list[Finding] = []
    for f in found:
        inside = [k for k in kept if k.first <= f.first and f.last <= k.last]
        if inside and (f.kind == "digits" or any(PRIORITY[k.kind] <= PRIORITY[f.kind]
                                                 or k.last - k.first > f.last - f.first
                                                 for k in inside)):
            continue
        kept = [k for k in kept if not (f.first <= k.first and k.last <= f.last
                                        and k.kind == "digits")]
        kept.append(f)
    return sorted(kept, key=lambda f: (f.first, f.last))
