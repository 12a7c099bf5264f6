"""Reading the source for an export: its packets (a read error is the clip's, named as
such) and what of it the export leaves out (for the manifest)."""
from __future__ import annotations

import av

from .errors import MediaError


def not_exported(inp, ivs, audio_pairs, seg_times, video_start_s: float, to_the_end: bool
                  ) -> list[str]:
    """What of the source the export leaves out, for the manifest: streams other than the
    first video stream and the audio streams exported, and audio that runs on past the last
    video frame (the export ends with the picture)."""
    out = []
    kept = {ivs.index} | {a.ias.index for a in audio_pairs}
    for st in inp.streams:
        if st.index not in kept:
            name = st.codec_context.name if st.codec_context else "unknown codec"
            out.append(f"stream {st.index} ({st.type}, {name}) is not in the export")
    if to_the_end and seg_times:
        video_end = seg_times[-1][1] + video_start_s
        for a in audio_pairs:
            st = a.ias
            if st.duration and st.time_base:
                end = float(((st.start_time or 0) + st.duration) * st.time_base)
                if end > video_end + 0.1:
                    out.append(f"audio stream {st.index} runs {end - video_end:.2f} s past the last "
                               "video frame; the export ends with the picture")
    return out


def source_packets(inp, streams, path, done):
    """The source's packets; a read error is named as the clip's (one line), not the export's."""
    it = inp.demux(streams)
    while True:
        try:
            packet = next(it)
        except StopIteration:
            return
        except av.error.FFmpegError as e:
            raise MediaError(f"cannot read the clip after frame {done()}: "
                             f"{getattr(e, 'strerror', None) or e} (corrupt data)", path) from None
        yield packet
