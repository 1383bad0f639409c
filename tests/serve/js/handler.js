// handler.js: a wasi:http handler exporting incoming-handler itself (many requests per
// instance): echoes method, path and a request header, streams POST bodies back, makes
// outgoing requests (fetch, streamed uploads), polls bodies, futures and timers together, and
// reports what fields.set, append and delete do.
import { ResponseOutparam, OutgoingResponse, OutgoingBody, IncomingBody, Fields, OutgoingRequest,
  RequestOptions, httpErrorCode } from 'wasi:http/types@0.2.10';
import { handle as send } from 'wasi:http/outgoing-handler@0.2.10';
import { poll } from 'wasi:io/poll@0.2.10';
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.10';

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);

// The value of request header `name`, or undefined.
const header = (request, name) => {
  const v = request.headers().get(name);
  return v.length ? dec(v[0]) : undefined;
};

// What a call that returns result<_, E> threw: the case of its E, or the exception's text.
const errorCase = (e) => (e.payload ? e.payload.tag : String(e));

// A stream-error as text: "closed", or the wasi:http error-code its io-error carries.
function streamError(e) {
  const p = e.payload;
  if (!p) return String(e);
  if (p.tag === 'closed') return 'closed';
  const code = httpErrorCode(p.val);
  return code ? code.tag : 'no error-code';
}

// Reads an input stream to its end: the bytes, or throws "read error: <code>".
function readAll(stream) {
  const chunks = [];
  for (;;) {
    let c;
    try {
      c = stream.blockingRead(65536n);
    } catch (e) {
      const why = streamError(e);
      if (why === 'closed') break;
      throw 'read error: ' + why;
    }
    if (c.length) chunks.push(c);
  }
  let n = 0; for (const c of chunks) n += c.length;
  const all = new Uint8Array(n); let o = 0; for (const c of chunks) { all.set(c, o); o += c.length; }
  return all;
}

// An outgoing request to http://<target><path> (headers given).
function outgoing(target, path, fields, method) {
  const req = new OutgoingRequest(fields || new Fields());
  req.setScheme({ tag: 'HTTP' });
  req.setAuthority(target);
  req.setPathWithQuery(path);
  if (method) req.setMethod({ tag: method });
  return req;
}

// The value of a future-incoming-response or future-trailers, blocking until it has one.
function waitFor(fut) {
  let got;
  while ((got = fut.get()) === undefined)
    fut.subscribe().block();
  return got;
}

// Waits for a future-incoming-response: "<status> <body>", or "error: <error-code>". With
// `trailersOnly`, finishes the body unread and waits for its trailers instead.
function response(fut, trailersOnly) {
  const got = waitFor(fut);
  if (got.tag !== 'ok') return 'error: future taken';
  if (got.val.tag !== 'ok') return 'error: ' + got.val.val.tag;
  const resp = got.val.val;
  const body = resp.consume();
  if (trailersOnly) {
    const t = waitFor(IncomingBody.finish(body));
    if (t.val.tag !== 'ok') return `${resp.status()} trailers error: ${t.val.val.tag}`;
    return `${resp.status()} trailers: ${t.val.val === undefined ? 'none' : 'some'}`;
  }
  const stream = body.stream();
  try {
    return `${resp.status()} ${dec(readAll(stream))}`;
  } catch (e) {
    return String(e);
  } finally {
    stream[Symbol.dispose]();
  }
}

// GET http://<x-target><x-path> through wasi:http/outgoing-handler (x-first-byte-ms sets the
// first-byte timeout) and returns "<status> <body>" or "error: <error-code>" (with
// x-trailers-only: the body unread, its trailers).
function fetchVia(request) {
  const req = outgoing(header(request, 'x-target'), header(request, 'x-path') || '/');
  let opts;
  const fb = header(request, 'x-first-byte-ms');
  if (fb) {
    opts = new RequestOptions();
    opts.setFirstByteTimeout(BigInt(fb) * 1000000n);
  }
  let fut;
  try {
    fut = send(req, opts);
  } catch (e) {
    return 'error: ' + errorCase(e);
  }
  return response(fut, header(request, 'x-trailers-only') !== undefined);
}

// Bytes i % 251 of a body, sliced at any offset without per-byte work.
const PATTERN = new Uint8Array(251 * 263);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i % 251;

// Writes body bytes [from, to) with check-write, write and subscribe: null, or the error.
function writeBody(out, from, to) {
  const ready = out.subscribe();
  try {
    for (let off = from; off < to;) {
      let n = Number(out.checkWrite());
      if (n === 0) {
        ready.block();
        continue;
      }
      n = Math.min(n, to - off, 65536);
      const phase = off % 251;
      out.write(PATTERN.subarray(phase, phase + n));
      off += n;
    }
    return null;
  } catch (e) {
    return 'write error: ' + streamError(e);
  } finally {
    ready[Symbol.dispose]();
  }
}

// POST (x-method: put for PUT) x-size pattern bytes to http://<x-target><x-path>: x-pre of
// them before outgoing-handler.handle, the rest after it, streamed. x-declare sets a
// content-length, x-trailer a trailer; x-finish-first finishes the body before handle.
// Returns the upstream's answer, or where it failed.
function upload(request) {
  const size = Number(header(request, 'x-size') || '0');
  const pre = Math.min(size, Number(header(request, 'x-pre') || '0'));
  const fields = new Fields();
  const declare = header(request, 'x-declare');
  if (declare !== undefined) fields.append('content-length', enc(declare));
  const req = outgoing(header(request, 'x-target'), header(request, 'x-path') || '/count',
    fields, header(request, 'x-method') || 'post');
  const body = req.body();
  const out = body.write();
  const first = header(request, 'x-finish-first') !== undefined;
  let err = writeBody(out, 0, first ? size : pre);
  let fut;
  const handle = () => {
    try {
      fut = send(req, undefined);
    } catch (e) {
      err = 'handle error: ' + errorCase(e);
    }
  };
  if (!err && !first) handle();
  if (!err && !first) err = writeBody(out, pre, size);
  out[Symbol.dispose]();
  if (err) return err;
  let trailers;
  const tv = header(request, 'x-trailer');
  if (tv) {
    trailers = new Fields();
    trailers.append('x-trailer', enc(tv));
  }
  try {
    OutgoingBody.finish(body, trailers);
  } catch (e) {
    return 'finish error: ' + errorCase(e);
  }
  if (first) handle();
  return err || response(fut);
}

// One poll over three kinds of pollable: a 50 ms timer, the incoming request body (the
// client sends it late) and an outgoing request's future (to x-target's /slow); then the
// response body through poll as well.
function pollTogether(request) {
  const fut = send(outgoing(header(request, 'x-target'), '/slow?ms=300'), undefined);
  const inBody = request.consume();
  const inStream = inBody.stream();
  const futReady = fut.subscribe(), bodyReady = inStream.subscribe();
  let bodyBytes = 0, bodyDone = false, got, timers = 0, polls = 0;
  while (!bodyDone || got === undefined) {
    const timer = subscribeDuration(50000000n);
    const list = [timer];
    if (!bodyDone) list.push(bodyReady);
    if (got === undefined) list.push(futReady);
    polls++;
    for (const i of poll(list)) {
      const p = list[i];
      if (p === timer) {
        timers++;
      } else if (p === bodyReady) {
        try {
          bodyBytes += inStream.read(65536n).length;
        } catch (e) {
          bodyDone = true;
        }
      } else {
        got = fut.get();
      }
    }
    timer[Symbol.dispose]();
  }
  bodyReady[Symbol.dispose]();
  futReady[Symbol.dispose]();
  inStream[Symbol.dispose]();
  const resp = got.val.val;
  const stream = resp.consume().stream();
  const ready = stream.subscribe();
  let text = '';
  for (;;) {
    poll([ready]);
    try {
      text += dec(stream.read(65536n));
    } catch (e) {
      break;
    }
  }
  ready[Symbol.dispose]();
  stream[Symbol.dispose]();
  return `body=${bodyBytes} resp=${resp.status()} ${text} timers=${timers > 0} polls=${polls > 2}`;
}

// fields.set, append and delete, and the header-error each gives: one line of outcomes and
// values ("op:ok" or "op:<header-error>", then the values of x-a after it).
function fieldsOps(request) {
  const f = new Fields();
  const out = [];
  const op = (name, fn) => {
    try {
      fn();
      out.push(name + ':ok');
    } catch (e) {
      out.push(name + ':' + errorCase(e));
    }
    out.push('[' + f.get('x-a').map(dec).join(',') + ']');
  };
  op('append', () => { f.append('x-a', enc('1')); f.append('X-A', enc('2')); });
  op('set', () => f.set('x-a', [enc('3'), enc('4'), enc('5')]));
  op('set-bad-value', () => f.set('x-a', [enc('ok'), enc('bad\n')]));
  op('append-bad-value', () => f.append('x-a', enc('bad\r')));
  op('append-bad-name', () => f.append('bad name', enc('v')));
  op('set-forbidden', () => f.set('connection', [enc('close')]));
  op('delete-forbidden', () => f.delete('transfer-encoding'));
  op('delete', () => f.delete('x-a'));
  op('delete-absent', () => f.delete('x-b'));
  op('set-empty', () => { f.set('x-a', []); out.push(String(f.has('x-a'))); });
  const h = request.headers();
  op('append-immutable', () => h.append('x-c', enc('1')));
  op('set-immutable', () => h.set('x-c', [enc('1')]));
  op('delete-immutable', () => h.delete('x-name'));
  return out.join(' ');
}

// blocking-write-and-flush takes at most 4096 bytes at a time (wasi:io/streams).
function writeAll(out, bytes) {
  for (let i = 0; i < bytes.length; i += 4096)
    out.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() || '/';
    const method = request.method().tag;
    const headers = new Fields();
    headers.append('content-type', enc('text/plain'));
    headers.append('x-handler', enc('js'));
    const response = new OutgoingResponse(headers);
    let text;
    if (path.startsWith('/echo')) {
      const stream = request.consume().stream();
      try {
        text = dec(readAll(stream));
      } catch (e) {
        text = String(e);
      }
      stream[Symbol.dispose]();
    } else if (path.startsWith('/fetch')) {
      text = fetchVia(request);
    } else if (path.startsWith('/upload')) {
      text = upload(request);
    } else if (path.startsWith('/poll')) {
      text = pollTogether(request);
    } else if (path.startsWith('/fields')) {
      text = fieldsOps(request);
    } else if (path.startsWith('/log')) {
      for (let i = 0; i < 40; i++) console.log('y'.repeat(4000));    // 160 KB to stdout
      text = 'logged';
    } else if (path.startsWith('/loop')) {
      for (;;) {}
    } else if (path.startsWith('/trap')) {
      throw new Error('boom');
    } else {
      const ua = request.headers().get('x-name');
      text = `hello from js: ${method} ${path}` + (ua.length ? ` ${dec(ua[0])}` : '');
    }
    const status = path.startsWith('/teapot') ? 418 : path.startsWith('/missing') ? 404 : 200;
    response.setStatusCode(status);
    const ob = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    const out = ob.write();
    writeAll(out, enc(text));
    out[Symbol.dispose]();
    OutgoingBody.finish(ob, undefined);
  }
};
