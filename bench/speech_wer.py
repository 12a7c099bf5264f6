"""Word error rate and speed of the speech engines (docs/adr/0012-speech.md).

    .venv/bin/python bench/speech_wer.py --vctk DIR [--espeak N] [--engine NAME ...]

DIR holds VCTK recordings (``pNNN_UUU*.wav``) and the speakers' transcripts
(``transcript_NNN``: CSV ``pNNN_UUU,"text"``) - measurement material only, never copied into
this repository. ``--espeak N`` adds N synthetic British-English (espeak-ng -v en-gb)
sentences with known text. Speed is audio seconds / processing seconds on this machine
(the engines use 2 threads). Prints one line per engine and set.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redaction.jobs import CancelToken, run_job  # noqa: E402
from redaction.speech import engines, espeak  # noqa: E402

ONES = "zero one two three four five six seven eight nine".split()
SENTENCES = [
    "The officer asked the driver to step out of the car.",
    "My phone number is oh seven seven zero zero, nine zero zero, one two three.",
    "I live at twenty two Station Road, Leeds, L S one, four D P.",
    "He was born on the twelfth of March, nineteen eighty four.",
    "She said the man ran towards the bus stop on the high street.",
    "Can you spell your surname for me please?",
    "The registration was A B one two, C D E.",
    "We will need a statement from you later this evening.",
    "Please keep your hands where I can see them.",
    "My email is john dot smith at example dot co dot uk.",
]


def norm(text: str) -> list[str]:
    text = re.sub(r"\d", lambda m: f" {ONES[int(m.group())]} ", text.lower())
    text = text.replace("-", " ")
    return re.sub(r"[^a-z' ]", " ", text).split()


def edits(ref: list[str], hyp: list[str]) -> int:
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(hyp)]


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        rate, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
        x = np.frombuffer(w.readframes(n), "<i2").astype(np.float32) / 32768
    x = x.reshape(-1, ch).mean(axis=1)
    if rate != 16000:
        t = np.arange(int(len(x) * 16000 / rate)) * rate / 16000
        x = np.interp(t, np.arange(len(x)), x).astype(np.float32)
    return x


def vctk_items(folder: Path):
    refs = {}
    for f in folder.glob("transcript_*"):
        for row in csv.reader(f.open(encoding="utf-8")):
            if len(row) == 2 and row[0].startswith("p"):
                refs[row[0]] = row[1].strip()
    for wav in sorted(folder.glob("p*.wav")):
        m = re.match(r"(p\d+_\d+)", wav.name)
        if m and m.group(1) in refs:
            yield wav.name, read_wav(wav), refs[m.group(1)]


def espeak_items(n: int):
    for i, text in enumerate(SENTENCES[:n]):
        x, rate = espeak.speak(text, "en-gb", 150)
        t = np.arange(int(len(x) * 16000 / rate)) * rate / 16000
        yield f"espeak{i}", np.interp(t, np.arange(len(x)), x).astype(np.float32), text


def measure(engine, items, label: str, accents: dict) -> None:
    errs = words = 0
    audio = spent = 0.0
    by_group: dict[str, list[int]] = {}
    for name, x, ref in items:
        t0 = time.perf_counter()
        hyp = " ".join(w.word for w in run_job(engine.job(x, CancelToken())))
        spent += time.perf_counter() - t0
        audio += len(x) / 16000
        r, h = norm(ref), norm(hyp)
        e = edits(r, h)
        errs, words = errs + e, words + len(r)
        g = accents.get(name[:4], label)
        by_group.setdefault(g, [0, 0])
        by_group[g][0] += e
        by_group[g][1] += len(r)
    print(f"{engine.name:20} {label:8} words={words} "
          f"WER={100 * errs / max(1, words):.1f}% audio={audio:.0f}s speed={audio / spent:.1f}x "
          f"real time")
    for g, (e, n) in sorted(by_group.items()):
        print(f"{'':20} {'':8}   {g:22} words={n:4} WER={100 * e / max(1, n):.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vctk")
    ap.add_argument("--espeak", type=int, default=0)
    ap.add_argument("--engine", action="append")
    ap.add_argument("--accents", help="VCTK speaker-info CSV: id,age,gender,accents,region")
    a = ap.parse_args()
    accents = {}
    if a.accents:
        for row in csv.reader(open(a.accents, encoding="utf-8")):
            if row and row[0].isdigit():
                accents[f"p{row[0]}"] = row[3]
    for name in a.engine or engines.available():
        eng = engines.build(name)
        if a.vctk:
            measure(eng, list(vctk_items(Path(a.vctk))), "vctk", accents)
        if a.espeak:
            measure(eng, list(espeak_items(a.espeak)), "espeak", {})


if __name__ == "__main__":
    main()
