"""Build the bundled sample clip (run by a developer, never at run time).

    python resources/sample/make_sample.py ../shared/eval/videos/egoblur_wearable_faces.mp4

Takes the first 12 s of the EgoBlur wearable-camera demo clip (Apache-2.0, see
README.md here), re-encodes it (H.264, CRF 26) and adds a spoken-word audio track
made with espeak-ng (a fictional name, address and phone number, to practise audio
redaction). The output is ``resources/sample/sample_bwv.mp4``.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SECONDS = 12
SPEECH = ("Police officer speaking. Can you give me your name please? "
          "My name is Jane Example. I live at 12 Sample Street, Testville. "
          "My phone number is 0 7 7 0 0, 9 0 0, 1 2 3.")


def speech(rate: int = 48000) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "s.wav"
        subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(wav), SPEECH], check=True)
        with wave.open(str(wav)) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
            src_rate = w.getframerate()
    t = np.arange(int(len(x) * rate / src_rate)) / rate
    y = np.interp(t, np.arange(len(x)) / src_rate, x)
    out = np.zeros(SECONDS * rate, np.float32)
    start = int(1.0 * rate)
    n = min(len(y), len(out) - start)
    out[start:start + n] = 0.8 * y[:n]
    out += np.random.default_rng(0).normal(0, 0.003, out.size).astype(np.float32)  # room noise
    return out


def main(src: str) -> None:
    dst = Path(__file__).with_name("sample_bwv.mp4")
    audio = speech()
    with av.open(src) as inp, av.open(str(dst), "w", format="mp4") as out:
        ivs = inp.streams.video[0]
        ovs = out.add_stream("libx264", rate=ivs.average_rate)
        ovs.time_base = Fraction(1, 30)
        ovs.width, ovs.height, ovs.pix_fmt = ivs.width, ivs.height, "yuv420p"
        ovs.options = {"crf": "26", "preset": "slow", "g": "30"}
        oas = out.add_stream("aac", rate=48000, layout="mono")
        limit = SECONDS * ivs.average_rate
        for i, frame in enumerate(inp.decode(ivs)):
            if i >= limit:
                break
            f = frame.reformat(format="yuv420p")
            f.pts, f.time_base = i, Fraction(1, 30)
            for p in ovs.encode(f):
                out.mux(p)
        for p in ovs.encode():
            out.mux(p)
        for k in range(0, audio.size, 1024):
            chunk = audio[k:k + 1024][None, :]
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="mono")
            f.sample_rate, f.pts, f.time_base = 48000, k, Fraction(1, 48000)
            for p in oas.encode(f):
                out.mux(p)
        for p in oas.encode():
            out.mux(p)
    print(f"wrote {dst} ({dst.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
