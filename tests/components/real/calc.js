// calc.js: the demo:calc/api interface in JavaScript, made a component by
// `jco componentize --disable all` (SpiderMonkey inside, no WASI imports).
class Counter {
  constructor(start) { this.v = start; }
  inc(by) { this.v = (this.v + by) >>> 0; return this.v; }
  value() { return this.v; }
}

export const api = {
  add(a, b) { return (a + b) >>> 0; },
  greet(name) { return `hello, ${name}!`; },
  sumPoints(pts) {
    let x = 0, y = 0;
    for (const p of pts) { x = (x + p.x) | 0; y = (y + p.y) | 0; }
    return [{ x, y }, pts.length];
  },
  words(text) { return text.split(' ').filter((w) => w.length > 0); },
  Counter,
};
