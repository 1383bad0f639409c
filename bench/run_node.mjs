// run_node.mjs: the Node.js driver of a benchmark kernel: instantiate the .wasm, call
// run(n) once, print the checksum as an unsigned 32-bit number (like the native driver).
// usage: node run_node.mjs kernel.wasm N
import { readFileSync } from 'node:fs';

const [path, arg] = process.argv.slice(2);
if (!path) {
  console.error('usage: node run_node.mjs kernel.wasm N');
  process.exit(2);
}
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
console.log(String(instance.exports.run(Number(arg ?? 1)) >>> 0));
