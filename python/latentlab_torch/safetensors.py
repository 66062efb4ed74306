"""The safetensors format (an 8-byte little-endian header length, a JSON
header of name -> dtype, shape, byte offsets, then the bytes), read and
written with numpy alone, so the package needs nothing beyond torch."""
import json
import struct

import numpy as np
import torch

_DTYPES = {'F32': np.float32, 'F64': np.float64, 'I32': np.int32, 'I64': np.int64, 'U8': np.uint8}


def read_safetensors(path):
    """Returns ({name: float32 tensor}, metadata dict)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: not a safetensors file (shorter than its header length)')
    (n,) = struct.unpack('<Q', data[:8])
    if n > len(data) - 8:
        raise ValueError(f'{path}: not a safetensors file (header length {n} runs past the end)')
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop('__metadata__', {}) or {}
    out = {}
    for name, info in header.items():
        if info['dtype'] not in _DTYPES:
            raise ValueError(f'{path}: tensor {name} has dtype {info["dtype"]}, which this reader does not know')
        b, e = info['data_offsets']
        arr = np.frombuffer(body[b:e], dtype=_DTYPES[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(arr.astype(np.float32, copy=True))
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as float32, names sorted, with string metadata; atomically (a temporary file, then a rename)."""
    import os
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        arr = tensors[name].detach().to('cpu', torch.float32).contiguous().numpy()
        raw = arr.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(',', ':')).encode('utf-8')
    head += b' ' * (-len(head) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)
