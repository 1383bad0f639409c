// driver.mjs: runs the demo:calc/api calls on a component transpiled by `jco transpile` (Node)
// and prints "CALL<TAB>RESULT" lines, CALL in the WAVE syntax of `pith run --invoke` and
// RESULT as pith prints it; run.sh replays the CALLs through pith and compares the RESULTs.
// usage: node driver.mjs TRANSPILED_DIR/NAME.js
import { pathToFileURL } from 'node:url';

const mod = await import(pathToFileURL(process.argv[2]).href);
const api = mod.api;

const str = (s) => JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_, h) => `\\u{${parseInt(h, 16).toString(16)}}`);
const point = (p) => `{x: ${p.x}, y: ${p.y}}`;
const out = [];
const call = (wave, result) => out.push(`${wave}\t${result}`);

call('add(2, 40)', api.add(2, 40));
call('add(4294967295, 1)', api.add(4294967295, 1));
call('greet("wörld")', str(api.greet('wörld')));
call('greet("")', str(api.greet('')));
call('greet("tab\\there \\u{1f600}")', str(api.greet('tab\there \u{1f600}')));
const pts = [{ x: 1, y: 2 }, { x: -5, y: 10 }, { x: 2147483647, y: 0 }];
{
  const [p, n] = api.sumPoints(pts);
  call(`sum-points([${pts.map(point).join(', ')}])`, `(${point(p)}, ${n})`);
  const [q, m] = api.sumPoints([]);
  call('sum-points([])', `(${point(q)}, ${m})`);
}
for (const text of ['  the quick  brown fox ', '', 'one']) {
  call(`words(${str(text)})`, `[${api.words(text).map(str).join(', ')}]`);
}
// resources: `$N` is the handle returned by the N-th call of the run
const base = out.length;
const c = new api.Counter(5);
call('[constructor]counter(5)', 'own<counter>');
call(`[method]counter.inc($${base + 1}, 3)`, c.inc(3));
call(`[method]counter.inc($${base + 1}, 4294967295)`, c.inc(4294967295));
call(`[method]counter.value($${base + 1})`, c.value());
const d = new api.Counter(100);
call('[constructor]counter(100)', 'own<counter>');
call(`[method]counter.value($${base + 5})`, d.value());
call(`[method]counter.value($${base + 1})`, c.value());
console.log(out.join('\n'));
