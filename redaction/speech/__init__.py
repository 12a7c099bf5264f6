"""Speech: an offline word-level transcript of a clip's audio, personal details found in
it, and audio redaction proposals from them (docs/adr/0012-speech.md).

* :mod:`.audio16k` - the clip's first audio stream as 16 kHz mono, on the video's timeline
* :mod:`.engines` - the recognisers (Whisper tiny.en via CTranslate2, or PocketSphinx)
* :mod:`.job` - the transcription job (progress, cancel, cached per source sha256)
* :mod:`.pii` - UK phone numbers, postcodes, plates, dates of birth, e-mail addresses
  and digit sequences in the words
* :mod:`.transcript` - the transcript: search, word spans to audio ranges, proposals, the
  redacted transcript
"""
