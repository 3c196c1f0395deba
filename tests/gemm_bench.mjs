// Benchmark (not a test): the CPU backend's matrix-product kernel alone, in a Web Worker in headless
// Chromium, on the shapes one denoising step multiplies (S=50, guided: the conditional and unconditional
// rows together), then whole requests' products in order, and K = 8 split over two workers at once. It gives the
// floor that gemm sets under the page's request latency. Build the probe
// first: `cargo build --release -p gemm-probe --target wasm32-unknown-unknown`, then
// `node tests/gemm_bench.mjs` (BENCHMARKS.md).
import fs from 'node:fs';
import { launchBrowser } from './support.mjs';

const wasm = fs.readFileSync('target/wasm32-unknown-unknown/release/gemm_probe.wasm');
// The shipped model's sizes, so the shapes follow the bundle the page loads.
const { dim: d, denoiser_hidden: h } = JSON.parse(fs.readFileSync('public/models/ml-100k/manifest.json', 'utf8')).model;
// [label, m, k, n] for K seeds: x_t·W_x (one row per seed), then the two hidden layers on 2K rows.
const stepProducts = (k) => [['x_t · W_x', k, d, h], ['hidden_mid', 2 * k, h, h], ['hidden_out', 2 * k, h, d]];
const productsBySeeds = { 'K=1': stepProducts(1), 'K=8': stepProducts(8) };
// Rounds are interleaved (every shape once per round), so a slow spell of the machine falls on all
// shapes alike and the per-round comparisons below stay fair.
const worker = `const [d, h] = [${d}, ${h}];
onmessage = async ({ data: { bytes, shapes } }) => {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const run = instance.exports.run;
  const reps = shapes.map(([m, k, n]) => Math.max(50, Math.round(4e7 / (m * k * n))));
  shapes.forEach(([m, k, n, subnormal], i) => run(m, k, n, reps[i], subnormal)); // V8's top tier compiles meanwhile
  const times = shapes.map(() => []);
  for (let round = 0; round < 9; round++) {
    shapes.forEach(([m, k, n, subnormal], i) => {
      const start = performance.now();
      run(m, k, n, reps[i], subnormal);
      times[i].push((performance.now() - start) / reps[i]);
    });
  }
  // Whole requests' products in the request's order (K = 1, then K = 8), interleaved the same way.
  const chains = [[1, d, h], [8, d, h]];
  chains.forEach(([k, d, h]) => instance.exports.run_chain(k, d, h, 50, 5));
  const chainTimes = chains.map(() => []);
  for (let round = 0; round < 9; round++) {
    chains.forEach(([k, d, h], i) => {
      const start = performance.now();
      instance.exports.run_chain(k, d, h, 50, 20);
      chainTimes[i].push((performance.now() - start) / 20);
    });
  }
  postMessage({ times, chainTimes });
};`;
const shapes = Object.values(productsBySeeds).flat().map(([, m, k, n]) => [m, k, n, false]);
const [, mSub, kSub, nSub] = productsBySeeds['K=8'][1]; // hidden_mid, again with subnormal inputs
shapes.push([mSub, kSub, nSub, true]);

// A worker that times 20 requests' products (`run_chain`) at K seeds per message, after a warm-up.
const chainWorker = `const [d, h] = [${d}, ${h}];
onmessage = async ({ data: { bytes, k } }) => {
  if (bytes) { self.probe = (await WebAssembly.instantiate(bytes, {})).instance.exports; self.probe.run_chain(8, d, h, 50, 10); postMessage('ready'); return; }
  const start = performance.now();
  self.probe.run_chain(k, d, h, 50, 20);
  postMessage((performance.now() - start) / 20);
};`;
const browser = await launchBrowser({ webgpu: false });
const page = await browser.newPage();
const { times: rounds, chainTimes } = await page.evaluate(({ source, bytes, shapes }) => new Promise((done) => {
  const w = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  w.onmessage = (e) => done(e.data);
  w.postMessage({ bytes: new Uint8Array(bytes), shapes });
}), { source: worker, bytes: [...wasm], shapes });
// Two cores at once: half of a K = 8 request's products in each of two workers, against all of them in one.
const parallel = await page.evaluate(({ source, bytes }) => new Promise((done) => {
  (async () => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const start = async () => { const w = new Worker(url); await new Promise((r) => { w.onmessage = r; w.postMessage({ bytes: new Uint8Array(bytes) }); }); return w; };
    const run = (w, k) => new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage({ k }); });
    const [a, b] = [await start(), await start()];
    const times = { whole: [], halves: [] };
    for (let round = 0; round < 9; round++) {
      times.whole.push(await run(a, 8));
      times.halves.push(Math.max(...(await Promise.all([run(a, 4), run(b, 4)]))));
    }
    done(times);
  })();
}), { source: chainWorker, bytes: [...wasm] });
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = rounds.map(median);

let i = 0;
for (const [seeds, products] of Object.entries(productsBySeeds)) {
  let perStep = 0;
  for (const [label, m, k, n] of products) {
    const t = ms[i++];
    perStep += t;
    console.log(`${seeds} ${label.padEnd(10)} [${m}, ${k}] · [${k}, ${n}]: ${(t * 1000).toFixed(1)} µs, ${(2 * m * k * n / t / 1e6).toFixed(1)} GFLOP/s`);
  }
  console.log(`${seeds}: the three products of a step take ${(perStep * 1000).toFixed(1)} µs; 50 steps, ${(perStep * 50).toFixed(2)} ms of a request`);
}
const t = ms[i];
// The same product on normal and on subnormal inputs, compared within each round.
const normal = shapes.findIndex(([m, k, n, subnormal]) => !subnormal && m === mSub && k === kSub && n === nSub);
const slowdown = median(rounds[i].map((sub, round) => sub / rounds[normal][round]));
console.log(`K=8 hidden_mid with every other input subnormal (1e-40): ${(t * 1000).toFixed(1)} µs, ${(2 * mSub * kSub * nSub / t / 1e6).toFixed(1)} GFLOP/s; ${slowdown.toFixed(2)}× its time on normal inputs in the same round (median of ${rounds[i].length} rounds)`);
for (const [i, seeds] of ['K=1', 'K=8'].entries()) {
  console.log(`${seeds}: 50 steps' products in a request's order (their own weights and outputs): ${median(chainTimes[i]).toFixed(2)} ms a request (median of ${chainTimes[i].length} rounds)`);
}
console.log(`K=8 over two workers at once (4 seeds each, the slower of the two) ${median(parallel.halves).toFixed(2)} ms against one worker with all 8 ${median(parallel.whole).toFixed(2)} ms a request (median of 9 rounds)`);
