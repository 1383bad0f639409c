#!/usr/bin/env python3
# strip_core_names.py: copies a component binary without the "name" custom sections of its
# nested core modules (pith's core text encoder emits none; wasm-tools does), so pith's output
# can be compared byte for byte with `jco parse`. With --no-core, nested core modules are
# replaced by empty ones (to tell component-level differences from core-encoder ones).
# usage: strip_core_names.py [--no-core] IN OUT
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

NO_CORE = '--no-core' in sys.argv
ARGS = [a for a in sys.argv[1:] if a != '--no-core']

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
        if comp and sid == 1 and NO_CORE:
            body = b'\x00asm\x01\x00\x00\x00'
        elif comp and sid in (1, 4):
            body = strip(body)
        out.append(sid)
        out += uleb(len(body)) + body
    return bytes(out)

data = open(ARGS[0], 'rb').read()
open(ARGS[1], 'wb').write(strip(data))
