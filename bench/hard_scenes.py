"""Hard synthetic body-worn-camera clips for the leak benchmark (bench/leak_check.py).

A scene is a wide "world" picture (a mosaic of real street photos from ../shared/train with
their labelled plates blurred out, or a random texture where that is absent) seen by a
camera that pans the way a wearer turns (trapezoidal speed profile up to ``pan_px_s``),
rolls, zooms and shakes, with motion blur in proportion to the camera's speed. Face and
plate crops from ../shared/eval (measurement only: read at bench time, never committed) are
placed in that world, walk, approach or retreat (scale x0.3 .. x3), enter and leave at the
frame edges, tilt, and are hidden for 2-10 frames by passers-by; in ``traffic`` the plates
drive across the view on their own at 400-1,200 px/s, speeding up or slowing down.

Each scenario stresses one condition on top of the wearer's shake, except the ``walk_*``
ones, which combine them; :data:`SCENARIOS` is the default suite. The ground truth of a frame is, per object, its face or plate region (a
polygon: it rotates, and oblique plates are not rectangles) as a bounding box plus a mask of
its pixels that are visible (not hidden by the frame edge, an occluder or an object in front).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from scene_light import SceneLight

MAX_UPSCALE = 2.5   # a crop is never shown larger than this multiple of its source size
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
EVAL = SHARED / "eval" / "images"
TRAIN = SHARED / "train" / "plates_openimages"


@dataclass(frozen=True)
class Scenario:
    name: str
    size: tuple[int, int] = (1920, 1080)
    pan_px_s: float = 0.0          # peak pan speed of the wearer's turns, picture px/s
    roll_deg: float = 2.0          # camera roll amplitude
    zoom: float = 0.03             # camera zoom amplitude (fraction; walking forwards/back)
    shake: float = 2.0             # chest shake, x the normal strength (a few px at 2-3 Hz)
    blur: float = 0.5              # exposure as a fraction of the frame time (motion blur)
    approach: bool = False         # objects approach / retreat: scale x0.3 .. x3 in 1-2 s
    edges: bool = False            # objects walk in and out at the frame edges
    occlusion: bool = False        # passers-by hide objects for 2-10 frames
    pose: bool = False             # profile / atypical-pose faces, tilted up to 30 degrees
    traffic: bool = False          # plates on vehicles driving across the view on their own,
                                   # 400-1,200 px/s, speeding up or slowing down (x0.5-1.8)
    faces: int = 6
    plates: int = 4
    face_px: tuple[int, int] = (28, 160)        # face height range at the scene's size
    plate_frac: tuple[float, float] = (0.04, 0.12)  # plate width as a fraction of frame width
    oblique: float = 0.25          # plates: perspective squeeze up to this fraction
    light: str = "day"             # day, night, night_blue, backlit (bench/scene_light.py)


SCENARIOS: list[Scenario] = [
    Scenario("still"),
    Scenario("pan250", pan_px_s=250),
    Scenario("pan500", pan_px_s=500),
    Scenario("pan1000", pan_px_s=1000),
    Scenario("pan1500", pan_px_s=1500),
    Scenario("pan2000", pan_px_s=2000),
    Scenario("roll_zoom", pan_px_s=300, roll_deg=10, zoom=0.25),
    Scenario("approach", pan_px_s=200, approach=True),
    Scenario("edges", pan_px_s=300, edges=True),
    Scenario("occlusion", pan_px_s=400, occlusion=True),
    Scenario("pose", pan_px_s=250, pose=True),
    Scenario("small_plates_720", size=(1280, 720), pan_px_s=200, faces=3, plates=6,
             plate_frac=(0.015, 0.04), oblique=0.35),
    Scenario("small_plates_1080", pan_px_s=300, faces=3, plates=6, plate_frac=(0.015, 0.04),
             oblique=0.35),
    Scenario("small_plates_1440", size=(2560, 1440), pan_px_s=300, faces=3, plates=6,
             plate_frac=(0.015, 0.04), oblique=0.35),
    # vehicles driving past (the car on the Intel car-park clip moved 0.36 picture widths a
    # second on its own, faster each frame): plates whose own motion, not the camera's,
    # carries them off their tracks' predictions
    Scenario("traffic", pan_px_s=200, traffic=True, faces=3, plates=6, plate_frac=(0.015, 0.05)),
    Scenario("night", pan_px_s=300, light="night"),
    Scenario("night_blue", pan_px_s=500, light="night_blue"),
    Scenario("backlit", pan_px_s=300, light="backlit"),
    # Everything at once, as a wearer walking up to people sees it (the conditions of the
    # clips the tracking issue measured on): turns at 600 px/s, strong roll and zoom,
    # people approaching and retreating, passers-by, profile and tilted faces, plates of
    # 4-13 % of the width. At 720p and 1080p.
    Scenario("walk_720", size=(1280, 720), pan_px_s=600, roll_deg=10, zoom=0.25, approach=True,
             occlusion=True, pose=True, plate_frac=(0.04, 0.13)),
    Scenario("walk_1080", pan_px_s=600, roll_deg=10, zoom=0.25, approach=True, occlusion=True,
             pose=True, plate_frac=(0.04, 0.13)),
]


def scenario(name: str) -> Scenario:
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(f"no scenario {name!r}; choose from {', '.join(s.name for s in SCENARIOS)}")


# -- crops -----------------------------------------------------------------------------
@dataclass
class Crop:
    kind: str
    patch: np.ndarray             # RGB, with context around the object
    poly: np.ndarray              # (4, 2) the face/plate region in patch pixels
    tag: str = ""


def _load_rgb(path: Path) -> Optional[np.ndarray]:
    img = cv2.imread(str(path))
    return None if img is None else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _crop(img, box, pad) -> Optional[tuple[np.ndarray, tuple]]:
    x, y, w, h = box
    x0, y0 = int(max(0, x - w * pad)), int(max(0, y - h * pad))
    x1 = int(min(img.shape[1], x + w * (1 + pad)))
    y1 = int(min(img.shape[0], y + h * (1 + pad)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return img[y0:y1, x0:x1].copy(), (x - x0, y - y0, w, h)


def _rect_poly(x, y, w, h) -> np.ndarray:
    return np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def load_crops(kind: str, pose: bool = False) -> list[Crop]:
    """Face crops (frontal: faces_dlib + the larger faces_wider; ``pose``: faces_wider boxes
    marked atypical pose, e.g. profiles) or plate crops (plates_us + plates_eu)."""
    out: list[Crop] = []
    if kind == "face":
        sets = [("faces_wider", 0.35)] if pose else [("faces_dlib", 0.3), ("faces_wider", 0.35)]
    else:
        sets = [("plates_us", 0.2), ("plates_eu", 0.2)]
    for set_name, pad in sets:
        gt = json.loads((EVAL / set_name / "gt.json").read_text())
        for name, boxes in sorted(gt["images"].items()):
            picked = []
            for b in boxes:
                if b.get("ignore"):
                    continue
                attrs = b.get("attrs", {})
                atypical = attrs.get("pose", 0) == 1
                if set_name == "faces_wider":
                    if pose != atypical or min(b["box"][2:]) < (12 if pose else 20):
                        continue
                    # heavily blurred or mostly hidden faces are left out: the scenes add
                    # their own blur and occlusion, and those crops show no face to find
                    if attrs.get("blur", 0) >= 2 or attrs.get("occlusion", 0) >= 2:
                        continue
                picked.append(b)
            if not picked:
                continue
            img = _load_rgb(EVAL / set_name / name)
            if img is None:
                continue
            for b in picked:
                c = _crop(img, b["box"], pad)
                if c is None:
                    continue
                patch, (x, y, w, h) = c
                if set_name == "faces_wider":
                    # the set is stretched ~2.5x narrower: restore a face-like aspect
                    sx = max(1.0, 0.8 * h / max(1e-6, w))
                    patch = cv2.resize(patch, (max(8, int(patch.shape[1] * sx)), patch.shape[0]),
                                       interpolation=cv2.INTER_CUBIC)
                    x, w = x * sx, w * sx
                out.append(Crop(kind, patch, _rect_poly(x, y, w, h),
                                "profile" if pose else set_name))
    return out


def _oblique(c: Crop, amount: float, rng) -> Crop:
    """A plate seen at an angle: one side squeezed vertically (a perspective warp)."""
    if amount <= 0:
        return c
    h, w = c.patch.shape[:2]
    a = rng.uniform(0, amount)
    side = rng.integers(2)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src.copy()
    dy = h * a / 2
    if side:
        dst[1, 1] += dy; dst[2, 1] -= dy      # noqa: E702 - right side squeezed
    else:
        dst[0, 1] += dy; dst[3, 1] -= dy      # noqa: E702
    m = cv2.getPerspectiveTransform(src, dst)
    patch = cv2.warpPerspective(c.patch, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    poly = cv2.perspectiveTransform(c.poly[None], m)[0]
    return Crop(c.kind, patch, poly.astype(np.float32), c.tag + "+oblique" if a > 0.1 else c.tag)


# -- world -----------------------------------------------------------------------------
def make_world(w: int, h: int, rng) -> np.ndarray:
    """A ``w`` x ``h`` RGB picture of real street photos (their labelled plates blurred out,
    so they are neither ground truth nor false positives), or a random texture."""
    labels = TRAIN / "labels.json"
    if labels.exists():
        data = json.loads(labels.read_text())["images"]
        names = sorted(data)
        world = np.zeros((h, w, 3), np.uint8)
        rows = 2
        rh = -(-h // rows)
        for r in range(rows):
            x = 0
            while x < w:
                name = names[int(rng.integers(len(names)))]
                img = _load_rgb(TRAIN / name)
                if img is None:
                    continue
                for b in data[name]:
                    bx, by, bw, bh = (int(round(v)) for v in b["box"])
                    x0, y0 = max(0, bx - bw // 4), max(0, by - bh // 4)
                    x1, y1 = min(img.shape[1], bx + bw + bw // 4), min(img.shape[0], by + bh + bh // 4)
                    if x1 > x0 and y1 > y0:
                        k = max(3, (max(bw, bh) // 2) | 1)
                        img[y0:y1, x0:x1] = cv2.GaussianBlur(img[y0:y1, x0:x1], (k, k), 0)
                s = rh / img.shape[0]
                img = cv2.resize(img, (max(8, int(img.shape[1] * s)), rh), interpolation=cv2.INTER_AREA)
                take = min(img.shape[1], w - x)
                y0 = r * rh
                world[y0:y0 + rh, x:x + take] = img[:h - y0, :take]
                x += take
        return world
    tex = rng.integers(30, 200, (h // 16 + 2, w // 16 + 2, 3), dtype=np.uint8)
    return cv2.resize(tex, (tex.shape[1] * 16, tex.shape[0] * 16), interpolation=cv2.INTER_CUBIC)[:h, :w]


# -- motion ------------------------------------------------------------------------------
def pan_profile(frames: int, fps: float, peak: float, span: float, rng) -> np.ndarray:
    """Camera x position per frame (world px): turns between random targets within
    ``span``, each with a trapezoidal speed profile (peak ``peak`` px/s, reached in about
    0.25 s), and pauses of 0.1-0.6 s between them."""
    x = np.zeros(frames)
    if peak <= 0:
        return x
    acc = peak / 0.25
    pos, i = 0.0, 0
    while i < frames:
        pause = int(rng.uniform(0.1, 0.6) * fps)
        x[i:i + pause] = pos
        i += pause
        target = rng.uniform(-span / 2, span / 2)
        d = target - pos
        if abs(d) < span * 0.15:
            target = pos - math.copysign(span * 0.3, d if d else 1.0)
            target = float(np.clip(target, -span / 2, span / 2))
            d = target - pos
        v, p = 0.0, pos
        sign = math.copysign(1, d)
        while i < frames and sign * (target - p) > 1e-3:
            remaining = abs(target - p)
            if v * v / (2 * acc) >= remaining:
                v = max(acc / fps, v - acc / fps)
            else:
                v = min(peak, v + acc / fps)
            p += sign * min(v / fps, remaining)
            x[i] = p
            i += 1
        pos = p
    return x


@dataclass
class Obj:
    crop: Crop
    start: int
    end: int
    p0: np.ndarray                  # world position of the region's centre at start
    vel: np.ndarray                 # world px per frame
    scale0: float                   # patch scale at start
    scale_seq: Optional[tuple] = None   # (frame, duration, factor): approach/retreat
    tilt: float = 0.0               # degrees
    tags: tuple = ()
    occlusions: list = field(default_factory=list)   # (frame, duration)
    acc: Optional[np.ndarray] = None    # world px per frame per frame (traffic)
    gain: float = 1.0               # its share of the light (backlit: in shade)

    def scale(self, i: int) -> float:
        if not self.scale_seq:
            return self.scale0
        f0, dur, fac = self.scale_seq
        r = float(np.clip((i - f0) / dur, 0, 1))
        return self.scale0 * fac ** r

    def matrix(self, i: int) -> np.ndarray:
        """3x3: patch pixels -> world."""
        s, a = self.scale(i), math.radians(self.tilt)
        c = self.crop.poly.mean(axis=0)
        r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) * s
        dt = i - self.start
        t = self.p0 + self.vel * dt - r @ c
        if self.acc is not None:
            t = t + 0.5 * self.acc * dt * dt
        return np.array([[r[0, 0], r[0, 1], t[0]], [r[1, 0], r[1, 1], t[1]], [0, 0, 1]])


class HardScene:
    """``frame(i)`` renders frame ``i`` (call in order); ``gt(i)`` its ground truth:
    ``[(obj_index, kind, (x, y, w, h), visible_mask, tags)]``."""

    def __init__(self, sc: Scenario, frames: int, seed: int = 0, fps: float = 30.0):
        self.sc, self.frames, self.fps = sc, frames, fps
        rng = self.rng = np.random.default_rng(seed)
        W, H = sc.size
        span = W * 1.6 if sc.pan_px_s > 0 else 0.0
        self.world = make_world(int(W + span + W * 0.6), int(H * 1.35), rng)
        self.cx0 = self.world.shape[1] / 2
        self.cy0 = self.world.shape[0] / 2
        self.pan = pan_profile(frames, fps, sc.pan_px_s, span, rng)
        ph = rng.uniform(0, 2 * np.pi, 6)
        t = np.arange(frames) / fps
        k = sc.shake
        self.shake = np.stack([k * (6 * np.sin(2 * np.pi * 2.3 * t + ph[0]) + 3 * np.sin(2 * np.pi * 5.1 * t + ph[1])),
                               k * (4 * np.sin(2 * np.pi * 1.7 * t + ph[2]) + 2 * np.sin(2 * np.pi * 4.3 * t + ph[3]))], 1)
        self.roll = sc.roll_deg * np.sin(2 * np.pi * 0.35 * t + ph[4]) + 0.3 * k * np.sin(2 * np.pi * 2.9 * t)
        self.zoom = 1.0 + sc.zoom * np.sin(2 * np.pi * 0.25 * t + ph[5])
        self.light = SceneLight(sc.light, self.world.shape[:2], sc.size, fps, seed)
        self.objs = self._place(rng)
        for o in self.objs:                     # the light's own draws: day scenes unchanged
            o.gain = self.light.object_gain()
            if sc.light != "day":
                o.tags = o.tags + (sc.light,)
        self.occluders = self._occluders(rng) if sc.occlusion else []
        self._gt: dict[int, list] = {}

    # camera: world -> screen (3x3)
    def cam(self, i: int) -> np.ndarray:
        W, H = self.sc.size
        a, s = math.radians(self.roll[i]), self.zoom[i]
        c = np.array([self.cx0 + self.pan[i] + self.shake[i, 0], self.cy0 + self.shake[i, 1]])
        r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) * s
        t = np.array([W / 2, H / 2]) - r @ c
        return np.array([[r[0, 0], r[0, 1], t[0]], [r[1, 0], r[1, 1], t[1]], [0, 0, 1]])

    def _visible_world_x(self) -> tuple[float, float]:
        W = self.sc.size[0]
        return (self.cx0 + self.pan.min() - W * 0.45, self.cx0 + self.pan.max() + W * 0.45)

    def _place(self, rng) -> list[Obj]:
        sc = self.sc
        W, H = sc.size
        objs = []
        faces = load_crops("face", pose=False)
        pose_faces = load_crops("face", pose=True) if sc.pose else []
        plates = load_crops("plate")
        rng.shuffle(faces)
        rng.shuffle(plates)
        rng.shuffle(pose_faces)
        x_lo, x_hi = self._visible_world_x()
        for n in range(sc.faces + sc.plates):
            kind = "face" if n < sc.faces else "plate"
            tags = []
            if kind == "face":
                pool = pose_faces if (sc.pose and n % 3 != 2 and pose_faces) else faces
                crop = pool[n % len(pool)]
                ph = np.ptp(crop.poly[:, 1])
                # never blown up past 2.5x its source: a tiny face enlarged is a smudge
                scale0 = min(MAX_UPSCALE, rng.uniform(*sc.face_px) / max(1.0, ph))
            else:
                crop = _oblique(plates[(n - sc.faces) % len(plates)], sc.oblique, rng)
                pw = np.ptp(crop.poly[:, 0])
                scale0 = min(MAX_UPSCALE, rng.uniform(*sc.plate_frac) * W / max(1.0, pw))
            tags.append(crop.tag)
            dur = int(rng.integers(self.frames // 2, self.frames + 1))
            start = int(rng.integers(0, self.frames - dur + 1))
            p0 = np.array([rng.uniform(x_lo, x_hi), self.cy0 + rng.uniform(-0.38, 0.38) * H])
            vel = np.array([rng.uniform(-1.5, 1.5), rng.uniform(-0.4, 0.4)])
            tilt = rng.uniform(-6, 6)
            if sc.pose and kind == "face":
                tilt = rng.uniform(-30, 30)
                tags.append("tilted" if abs(tilt) > 12 else "upright")
            scale_seq = None
            if sc.approach:
                fac = float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
                if fac > 1 and scale0 * fac > MAX_UPSCALE:
                    scale0 = max(0.2, MAX_UPSCALE / fac)
                scale_seq = (start + int(rng.integers(0, max(1, dur // 2))), int(rng.uniform(1, 2) * self.fps), fac)
                # keep the largest size sensible: at most a third of the frame height
                top = scale0 * max(1.0, fac) * (np.ptp(crop.poly[:, 1]) if kind == "face" else np.ptp(crop.poly[:, 0]))
                limit = H / 3 if kind == "face" else W / 4
                if top > limit:
                    scale0 *= limit / top
                tags.append("approach" if fac > 1 else "retreat")
            if sc.edges:
                # walk in from one side of the view and out at the other, 150-450 px/s
                side = rng.choice([-1, 1])
                speed = rng.uniform(150, 450) / self.fps
                i_mid = start + dur // 2
                cam_x = self.cx0 + self.pan[min(i_mid, self.frames - 1)]
                p0 = np.array([cam_x - side * speed * dur / 2, p0[1]])
                vel = np.array([side * speed, rng.uniform(-0.3, 0.3)])
                tags.append("edge")
            acc = None
            if sc.traffic and kind == "plate":
                # across the view along a road (up to 25 degrees off the horizontal), at
                # 400-1,200 px/s on average, speeding up or slowing down
                side = rng.choice([-1, 1])
                speed = rng.uniform(400, 1200) / self.fps
                ang = math.radians(rng.uniform(-25, 25))
                d = np.array([side * math.cos(ang), math.sin(ang)])
                change = float(rng.uniform(0.5, 1.8))     # end speed / start speed
                v0 = 2 * speed / (1 + change)             # mean speed = speed
                acc = d * (v0 * change - v0) / max(1, dur - 1)
                vel = d * v0
                i_mid = start + dur // 2
                cam_x = self.cx0 + self.pan[min(i_mid, self.frames - 1)]
                p0 = np.array([cam_x, p0[1]]) - d * speed * dur / 2
                tags.append("driving")
            objs.append(Obj(crop, start, start + dur - 1, p0, vel, scale0, scale_seq, tilt,
                            tuple(tags), acc=acc))
        return objs

    def _occluders(self, rng) -> list[dict]:
        """A passer-by (a tall strip of another part of the world) crossing each object once,
        hiding it for 2-10 frames."""
        out = []
        for k, o in enumerate(self.objs):
            f0 = int(rng.integers(o.start, max(o.start + 1, o.end - 12)))
            d = int(rng.integers(2, 11))
            o.occlusions.append((f0, d))
            o.tags = o.tags + ("occluded",)
            out.append({"obj": k, "frame": f0, "dur": d,
                        "src": (int(rng.integers(0, self.world.shape[1] - 400)), int(rng.integers(0, 20)))})
        return out

    # -- rendering ----------------------------------------------------------------------
    def _obj_screen(self, o: Obj, i: int) -> tuple[np.ndarray, np.ndarray]:
        """2x3 patch->screen matrix and the region polygon on screen."""
        m = self.cam(i) @ o.matrix(i)
        poly = cv2.transform(o.crop.poly[None], m[:2])[0]
        return m[:2], poly

    def frame(self, i: int) -> np.ndarray:
        W, H = self.sc.size
        c = self.cam(i)
        img = cv2.warpAffine(self.world, c[:2], (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        regions = []
        live = [(k, o) for k, o in enumerate(self.objs) if o.start <= i <= o.end]
        for k, o in live:
            m, poly = self._obj_screen(o, i)
            ph, pw = o.crop.patch.shape[:2]
            corners = cv2.transform(np.float32([[[0, 0], [pw, 0], [pw, ph], [0, ph]]]), m)[0]
            x0, y0 = np.floor(corners.min(0)).astype(int)
            x1, y1 = np.ceil(corners.max(0)).astype(int)
            X0, Y0, X1, Y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
            if X1 <= X0 or Y1 <= Y0:
                regions.append((k, o, poly, None))
                continue
            mm = m.copy()
            mm[:, 2] -= (X0, Y0)
            roi = cv2.warpAffine(o.crop.patch, mm, (X1 - X0, Y1 - Y0), flags=cv2.INTER_AREA
                                 if o.scale(i) < 1 else cv2.INTER_LINEAR)
            if o.gain != 1.0:
                roi = (((roi / 255.0) ** 2.2 * o.gain) ** (1 / 2.2) * 255.0 + 0.5).astype(np.uint8)
            alpha = cv2.warpAffine(np.ones((ph, pw), np.uint8), mm, (X1 - X0, Y1 - Y0),
                                   flags=cv2.INTER_NEAREST).astype(bool)
            img[Y0:Y1, X0:X1][alpha] = roi[alpha]
            # everything drawn before this object is now partly hidden by it
            for r in regions:
                if r[3] is not None:
                    r[3][Y0:Y1, X0:X1] &= ~alpha
            region = np.zeros((H, W), bool)
            pts = np.round(poly).astype(np.int32)
            cv2.fillConvexPoly(region.view(np.uint8), pts, 1)
            regions.append((k, o, poly, region))
        for oc in self.occluders:
            o = self.objs[oc["obj"]]
            if not oc["frame"] <= i < oc["frame"] + oc["dur"] or not o.start <= i <= o.end:
                continue
            _, poly = self._obj_screen(o, i)
            bx0, by0 = poly.min(0)
            bx1, by1 = poly.max(0)
            bw, bh = bx1 - bx0, by1 - by0
            # slides across the object during its occlusion, always covering most of it
            r = (i - oc["frame"] + 0.5) / oc["dur"]
            ox0 = int(bx0 - 0.3 * bw + (r - 0.5) * 0.4 * bw)
            ow, oh = int(1.6 * bw) + 2, int(3 * bh) + 2
            oy0 = int(by0 - bh)
            X0, Y0, X1, Y1 = max(0, ox0), max(0, oy0), min(W, ox0 + ow), min(H, oy0 + oh)
            if X1 <= X0 or Y1 <= Y0:
                continue
            sx, sy = oc["src"]
            src = self.world[sy:sy + (Y1 - Y0), sx:sx + (X1 - X0)]
            img[Y0:Y0 + src.shape[0], X0:X0 + src.shape[1]] = src
            for r_ in regions:
                if r_[3] is not None:
                    r_[3][Y0:Y0 + src.shape[0], X0:X0 + src.shape[1]] = False
        img = self.light.apply(self._blur(img, i), self.cam(i), i)
        gt = []
        for k, o, poly, vis in regions:
            x0, y0 = poly.min(0)
            x1, y1 = poly.max(0)
            box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
            ix0, iy0 = int(math.floor(x0)), int(math.floor(y0))
            ix1, iy1 = int(math.ceil(x1)), int(math.ceil(y1))
            full = np.zeros((max(1, iy1 - iy0), max(1, ix1 - ix0)), bool)
            area = np.zeros_like(full)
            pts = np.round(poly - (ix0, iy0)).astype(np.int32)
            cv2.fillConvexPoly(area.view(np.uint8), pts, 1)
            if vis is not None:
                X0, Y0, X1, Y1 = max(0, ix0), max(0, iy0), min(W, ix1), min(H, iy1)
                if X1 > X0 and Y1 > Y0:
                    full[Y0 - iy0:Y1 - iy0, X0 - ix0:X1 - ix0] = vis[Y0:Y1, X0:X1]
            gt.append((k, o.crop.kind, box, (ix0, iy0, full, area), o.tags))
        self._gt[i] = gt
        if self.light.noisy:
            return img
        noise = self.rng.integers(-3, 4, img.shape, dtype=np.int16)
        return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)

    def _blur(self, img: np.ndarray, i: int) -> np.ndarray:
        """Motion blur along the camera's motion at the picture centre during the exposure."""
        if self.sc.blur <= 0 or i == 0:
            return img
        W, H = self.sc.size
        a = np.linalg.inv(self.cam(i - 1)) @ np.array([W / 2, H / 2, 1])
        b = self.cam(i) @ a
        dx, dy = b[0] - W / 2, b[1] - H / 2
        n = int(round(math.hypot(dx, dy) * self.sc.blur))
        if n < 2:
            return img
        k = np.zeros((n | 1, n | 1), np.float32)
        c = (n | 1) // 2
        ang = math.atan2(dy, dx)
        cv2.line(k, (int(round(c - math.cos(ang) * c)), int(round(c - math.sin(ang) * c))),
                 (int(round(c + math.cos(ang) * c)), int(round(c + math.sin(ang) * c))), 1.0, 1)
        k /= max(1e-6, k.sum())
        return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)

    def gt(self, i: int) -> list:
        """Ground truth of a rendered frame: ``(obj, kind, box, (x0, y0, visible, region),
        tags)``; ``visible`` and ``region`` are bool masks on the integer box at
        ``(x0, y0)``: the object's region and which of its pixels are visible."""
        return self._gt[i]


def write_scene(path, sc: Scenario, seconds: float = 6.0, seed: int = 0, fps: int = 30,
                crf: int = 18) -> HardScene:
    """Write the scene's clip (H.264 at ``crf``: 18 is near-lossless; body-worn cameras record
    at about 8-12 Mbit/s, roughly crf 23-28) and return the scene (with its ground truth).
    Speeds are in pixels a second, so a scene at 25 fps moves as far per second as at 30."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from redaction.synth import ClipSpec, write_clip
    frames = int(round(seconds * fps))
    scene = HardScene(sc, frames, seed, fps)
    w, h = sc.size
    write_clip(path, ClipSpec(width=w, height=h, frames=frames, fps=Fraction(fps),
                              time_base=Fraction(1, 15360), crf=crf), frame_fn=scene.frame)
    return scene


def variants(base: Scenario, **changes) -> Scenario:
    return replace(base, **changes)
