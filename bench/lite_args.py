"""Command-line flags for the video detector's lite plans (ADR 0013, session 11), shared by
bench/leak_check.py and bench/detect_speed.py."""
from __future__ import annotations


def add_lite_args(group, face_flag: str, plate_flag: str, what: str) -> None:
    """``face_flag`` S[:PIXELS] and ``plate_flag`` S:SIDE[,SIDE] on ``group`` (a parser or a
    mutually exclusive group); ``what`` says what the run does with the setting."""
    group.add_argument(face_flag, default=None, metavar="S[:PIXELS]",
                       help=f"{what} CenterFace's full plan once every S s of video and one pass "
                            "capped at PIXELS (default 1280x736) between (ADR 0013); 0: without it")
    group.add_argument(plate_flag, default=None, metavar="S:SIDE[,SIDE]",
                       help=f"{what} the plate passes' full plan once every S s of video and these "
                            "input sides between (ADR 0013); 0: without it")


def add_follow_arg(group, flag: str, what: str) -> None:
    """``flag`` T[:WINDOWS]: the face follow-up (EXTD-64 round followed faces CenterFace
    missed, redaction/detect/follow.py) at score T, at most WINDOWS a frame; 0: without it."""
    group.add_argument(flag, default=None, metavar="T[:WINDOWS]",
                       help=f"{what} EXTD-64 follow-ups round the followed faces CenterFace missed, "
                            "sure from T (redaction/detect/follow.py); 0: without them")
