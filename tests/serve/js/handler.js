// handler.js: a wasi:http handler exporting incoming-handler itself (many requests per
// instance): echoes method, path and a request header, streams POST bodies back.
import { ResponseOutparam, OutgoingResponse, OutgoingBody, Fields, OutgoingRequest, RequestOptions }
  from 'wasi:http/types@0.2.10';
import { handle as send } from 'wasi:http/outgoing-handler@0.2.10';

// GET http://<x-target><x-path> through wasi:http/outgoing-handler (x-first-byte-ms sets the
// first-byte timeout) and returns "<status> <body>" or "error: <error-code>".
function fetchVia(request) {
  const get = (name) => {
    const v = request.headers().get(name);
    return v.length ? new TextDecoder().decode(v[0]) : undefined;
  };
  const req = new OutgoingRequest(new Fields());
  req.setScheme({ tag: 'HTTP' });
  req.setAuthority(get('x-target'));
  req.setPathWithQuery(get('x-path') || '/');
  let opts;
  const fb = get('x-first-byte-ms');
  if (fb) {
    opts = new RequestOptions();
    opts.setFirstByteTimeout(BigInt(fb) * 1000000n);
  }
  let fut;
  try {
    fut = send(req, opts);
  } catch (e) {
    return 'error: ' + (e.payload ? e.payload.tag : String(e));
  }
  let got;
  while ((got = fut.get()) === undefined)
    fut.subscribe().block();
  if (got.tag !== 'ok') return 'error: future taken';
  if (got.val.tag !== 'ok') return 'error: ' + got.val.val.tag;
  const resp = got.val.val;
  const body = resp.consume();
  const stream = body.stream();
  const chunks = [];
  for (;;) {
    try {
      const c = stream.blockingRead(65536n);
      if (c.length) chunks.push(c);
    } catch (e) { break; }
  }
  stream[Symbol.dispose]();
  let n = 0; for (const c of chunks) n += c.length;
  const all = new Uint8Array(n); let o = 0; for (const c of chunks) { all.set(c, o); o += c.length; }
  return `${resp.status()} ${new TextDecoder().decode(all)}`;
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
    headers.append('content-type', new TextEncoder().encode('text/plain'));
    headers.append('x-handler', new TextEncoder().encode('js'));
    const response = new OutgoingResponse(headers);
    let text;
    if (path.startsWith('/echo')) {
      const body = request.consume();
      const stream = body.stream();
      const chunks = [];
      for (;;) {
        try {
          const c = stream.blockingRead(65536n);
          if (c.length) chunks.push(c);
        } catch (e) { break; }
      }
      stream[Symbol.dispose]();
      let n = 0; for (const c of chunks) n += c.length;
      const all = new Uint8Array(n); let o = 0; for (const c of chunks) { all.set(c, o); o += c.length; }
      text = new TextDecoder().decode(all);
    } else if (path.startsWith('/fetch')) {
      text = fetchVia(request);
    } else if (path.startsWith('/loop')) {
      for (;;) {}
    } else if (path.startsWith('/trap')) {
      throw new Error('boom');
    } else {
      const ua = request.headers().get('x-name');
      text = `hello from js: ${method} ${path}` + (ua.length ? ` ${new TextDecoder().decode(ua[0])}` : '');
    }
    const status = path.startsWith('/teapot') ? 418 : path.startsWith('/missing') ? 404 : 200;
    response.setStatusCode(status);
    const ob = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    const out = ob.write();
    writeAll(out, new TextEncoder().encode(text));
    out[Symbol.dispose]();
    OutgoingBody.finish(ob, undefined);
  }
};
