#!/usr/bin/env python3
# strip_core_names.py: copies a component binary without the "name" custom sections of its
# nested core modules (pith's core text encoder emits none; wasm-tools does), so pith's output
# can be compared byte for byte with `jco parse`. usage: strip_core_names.py IN OUT
import sys

def leb(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1
        r |= (c & 0x7f) << s; s += 7
        if not c & 0x80:
            return r, i

def uleb(v):
    out = bytearray()
    while True:
        c = v & 0x7f; v >>= 7
        out.append(c | (0x80 if v else 0))
        if not v:
            return bytes(out)

def strip(b):
    out = bytearray(b[:8])
    comp = b[4:8] == b'\x0d\x00\x01\x00'
    i = 8
    while i < len(b):
        sid = b[i]
        n, j = leb(b, i + 1)
        body = b[j:j + n]
        i = j + n
        if sid == 0 and not comp:
            ln, k = leb(body, 0)
            if body[k:k + ln] == b'name':
                continue
        if comp and sid in (1, 4):
            body = strip(body)
        out.append(sid)
        out += uleb(len(body)) + body
    return bytes(out)

data = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(strip(data))
