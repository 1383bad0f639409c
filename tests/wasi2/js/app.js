// app.js: a componentize-js command for tests/wasi2: console output, arguments and environment,
// clocks, random bytes and files under the /data preopen. Its output is deterministic so pith's
// run can be compared with `jco run` on Node byte for byte.
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { now, resolution, subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';
import { now as wallNow } from 'wasi:clocks/wall-clock@0.2.12';
import { getRandomBytes, getRandomU64 } from 'wasi:random/random@0.2.12';
import { getInsecureRandomBytes } from 'wasi:random/insecure@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

function step(name, fn) {
  try {
    console.log(`${name}: ${fn()}`);
  } catch (e) {
    console.log(`${name}: error ${e && e.payload !== undefined ? JSON.stringify(e.payload) : e}`);
  }
}

// Each file operation is its own step, so a difference names the operation.
function files(args) {
  const pre = getDirectories().find(([, path]) => path === '/data');
  if (!pre) {
    console.log('files: no /data preopen');
    return;
  }
  const dir = pre[0];
  const enc = new TextEncoder(), dec = new TextDecoder();
  let input, made;
  step('open in.txt', () => { input = dir.openAt({}, 'in.txt', {}, { read: true }); return 'ok'; });
  step('read', () => {
    const [bytes, eof] = input.read(1024n, 0n);
    return `${bytes.length} bytes, eof ${eof}, "${dec.decode(bytes).trim()}"`;
  });
  step('stat', () => `size ${input.stat().size}, type ${input.getType()}`);
  step('read via stream', () => {
    const s = input.readViaStream(6n);
    const got = s.blockingRead(100n);
    return `"${dec.decode(got).trim()}"`;
  });
  step('create out.txt', () => {
    made = dir.openAt({}, 'out.txt', { create: true, truncate: true }, { read: true, write: true });
    return 'ok';
  });
  step('write', () => `${made.write(enc.encode(`written by js with ${args.length} args\n`), 0n)} bytes`);
  step('append via stream', () => {
    made.appendViaStream().blockingWriteAndFlush(enc.encode('appended through a stream\n'));
    return 'ok';
  });
  step('stat-at out.txt', () => `size ${dir.statAt({}, 'out.txt').size}`);
  step('exclusive create', () => {
    dir.openAt({}, 'out.txt', { create: true, exclusive: true }, { write: true });
    return 'ALLOWED';
  });
  step('missing file', () => { dir.openAt({}, 'none.txt', {}, { read: true }); return 'opened'; });
  step('mkdir sub', () => { dir.createDirectoryAt('sub'); return 'ok'; });
  step('listing', () => {
    const names = [];
    const entries = dir.readDirectory();
    for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry())
      names.push(`${e.name}:${e.type}`);
    return names.sort().join(',');
  });
  step('escape', () => { dir.openAt({}, '../escape.txt', { create: true }, { write: true }); return 'ALLOWED'; });
  step('absolute', () => { dir.openAt({}, '/etc/passwd', {}, { read: true }); return 'ALLOWED'; });
  step('rmdir sub', () => { dir.removeDirectoryAt('sub'); return 'ok'; });
}

export const run = {
  run() {
    console.log('hello from componentize-js');
    console.error('a line on stderr');
    const args = getArguments();
    step('args', () => JSON.stringify(args.slice(1)));
    step('env', () => JSON.stringify(getEnvironment().filter(([k]) => k.startsWith('PITH_JS_')).sort()));
    step('monotonic', () => {
      const a = now();
      subscribeDuration(2000000n).block();
      const b = now();
      return `advances ${b - a >= 2000000n}, resolution ${resolution() > 0n}`;
    });
    step('wall', () => {
      const w = wallNow();
      return `after 2020 ${w.seconds > 1577836800n}, nanos ok ${w.nanoseconds < 1e9}, Date ok ${Math.abs(Date.now() / 1000 - Number(w.seconds)) < 60}`;
    });
    step('random', () => {
      const a = getRandomBytes(32n), b = getRandomBytes(32n);
      return `${a.length} bytes, differ ${a.some((x, i) => x !== b[i])}, u64 ${typeof getRandomU64()}, insecure ${getInsecureRandomBytes(8n).length}, Math.random ${Math.random() < 1}`;
    });
    files(args);
    if (args.includes('fail')) throw new Error('asked to fail');
  },
};
