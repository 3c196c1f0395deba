// Benchmark (not a test): the CPU backend's matrix-product kernel alone, in a Web Worker in headless
// Chromium, on the shapes one denoising step multiplies (S=50, guided: the conditional and unconditional
// rows together). It gives the floor that gemm sets under the page's request latency. Build the probe
// first: `cargo build --release -p gemm-probe --target wasm32-unknown-unknown`, then
// `node tests/gemm_bench.mjs` (BENCHMARKS.md).
import fs from 'node:fs';
import { launchBrowser } from './support.mjs';

const wasm = fs.readFileSync('target/wasm32-unknown-unknown/release/gemm_probe.wasm');
// [label, m, k, n]: x_t·W_x (one row per seed), then the two hidden layers on 2K rows.
const steps = {
  'K=1': [['x_t · W_x', 1, 64, 256], ['hidden_mid', 2, 256, 256], ['hidden_out', 2, 256, 64]],
  'K=8': [['x_t · W_x', 8, 64, 256], ['hidden_mid', 16, 256, 256], ['hidden_out', 16, 256, 64]],
};
const worker = `onmessage = async ({ data: { bytes, shapes } }) => {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const run = instance.exports.run;
  const out = [];
  for (const [m, k, n, subnormal] of shapes) {
    const reps = Math.max(50, Math.round(4e7 / (m * k * n)));
    run(m, k, n, reps, subnormal); // V8 compiles the kernel to its top tier meanwhile
    const times = [];
    for (let round = 0; round < 7; round++) {
      const start = performance.now();
      run(m, k, n, reps, subnormal);
      times.push((performance.now() - start) / reps);
    }
    times.sort((a, b) => a - b);
    out.push(times[3]);
  }
  postMessage(out);
};`;
const shapes = [...steps['K=1'], ...steps['K=8']].map(([, m, k, n]) => [m, k, n, false]);
shapes.push([16, 256, 256, true]);

const browser = await launchBrowser({ webgpu: false });
const page = await browser.newPage();
const ms = await page.evaluate(({ source, bytes, shapes }) => new Promise((done) => {
  const w = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  w.onmessage = (e) => done(e.data);
  w.postMessage({ bytes: new Uint8Array(bytes), shapes });
}), { source: worker, bytes: [...wasm], shapes });
await browser.close();

let i = 0;
for (const [seeds, products] of Object.entries(steps)) {
  let perStep = 0;
  for (const [label, m, k, n] of products) {
    const t = ms[i++];
    perStep += t;
    console.log(`${seeds} ${label.padEnd(10)} [${m}, ${k}] · [${k}, ${n}]: ${(t * 1000).toFixed(1)} µs, ${(2 * m * k * n / t / 1e6).toFixed(1)} GFLOP/s`);
  }
  console.log(`${seeds}: the three products of a step take ${(perStep * 1000).toFixed(1)} µs; 50 steps, ${(perStep * 50).toFixed(2)} ms of a request`);
}
const t = ms[i];
console.log(`K=8 hidden_mid with every other input subnormal (1e-40): ${(t * 1000).toFixed(1)} µs, ${(2 * 16 * 256 * 256 / t / 1e6).toFixed(1)} GFLOP/s`);
