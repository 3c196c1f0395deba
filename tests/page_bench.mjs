// Page benchmark (not a test): request latency on the CPU and WebGPU paths in headless Chromium,
// time from navigation to the first recommendation, the wasm size, and a 1,000-request memory soak
// (SOAK_REQUESTS=N to change it). Needs a release build in
// dist/ (`trunk build --release`); run with `cargo xtask bench-page` or `node tests/page_bench.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launchBrowser } from './support.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const history = 'history=1,50,100,181,258,288,294,300';

const { server, base } = await startServer();
const browser = await launchBrowser();

async function firstRecommendation() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/?backend=cpu`);
  await page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem').nth(9).waitFor({ timeout: 120_000 });
  const ms = await page.evaluate(() => performance.now());
  await page.context().close();
  return ms;
}

/** A page on `backend` at S=`steps`, K=`seeds`, once its first request is on screen. It keeps the UI
 *  module's memory in `window.__wasmMemory` (Trunk hands the instance's exports to this event). */
async function requestPage(backend, steps, seeds) {
  const context = await browser.newContext();
  await context.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasmMemory = e.detail.wasm.memory; }));
  const page = await context.newPage();
  await page.goto(`${base}/?${history}&backend=${backend}&steps=${steps}&seeds=${seeds}&guidance=1&eta=0&seed=0`);
  await page.getByRole('status').filter({ hasText: new RegExp(`backend: ${backend === 'cpu' ? 'CPU' : 'WebGPU'} · last request`) }).waitFor({ timeout: 300_000 });
  return page;
}

/** One request, made by typing a new seed: [its latency (ms) as the status line reports it, which
 *  the worker measures around generation + readback; the round trip the page sees, from the
 *  keypress to the new list (messages, rendering and this script's 5 ms polling included)]. */
async function request(page, seed) {
  const snapshot = () => page.evaluate(() => document.querySelector('[role=status]').textContent + '|' +
    document.querySelector('ol[aria-label=Recommendations]').textContent);
  // A new seed changes the scores shown (and the latency): wait for the page to show a new result.
  const before = await snapshot();
  await page.getByLabel('Seed', { exact: true }).fill(String(seed));
  const start = Date.now();
  await page.getByLabel('Seed', { exact: true }).press('Enter');
  const deadline = Date.now() + 300_000;
  while ((await snapshot()) === before && Date.now() < deadline) await page.waitForTimeout(5);
  const roundTrip = Date.now() - start;
  return [Number(/last request ([\d.]+) ms/.exec(await page.getByRole('status').textContent())[1]), roundTrip];
}

async function latencies(backend, steps, seeds, reps) {
  const page = await requestPage(backend, steps, seeds);
  const out = [];
  for (let seed = 1; seed <= reps; seed++) out.push(await request(page, seed));
  await page.context().close();
  return out;
}

/** `n` consecutive requests at S=50, K=8 on the CPU: the wasm memory of the worker (where the model
 *  runs) and of the UI module (wasm memory never shrinks, so any growth would be a leak) and the UI's
 *  JS heap, sampled every n/4 requests. */
async function soak(n) {
  const page = await requestPage('cpu', 50, 8);
  const memory = () => page.evaluate(async () => [await window.wasmBindings.worker_memory_bytes(), window.__wasmMemory?.buffer.byteLength ?? NaN, performance.memory?.usedJSHeapSize ?? NaN]);
  const samples = [await memory()];
  const start = Date.now();
  for (let seed = 1; seed <= n; seed++) {
    await request(page, seed);
    if (seed % (n / 4) === 0) samples.push(await memory());
  }
  const seconds = (Date.now() - start) / 1000;
  await page.context().close();
  const at = samples.map((_, i) => (i * n) / 4).join('/');
  const column = (k) => samples.map((m) => mb(m[k])).join(' / ');
  console.log(`soak: ${n} requests (CPU, S=50 K=8) in ${seconds.toFixed(0)} s; at ${at} requests worker wasm memory ${column(0)} MiB, UI wasm memory ${column(1)} MiB, UI JS heap ${column(2)} MiB`);
}

const mb = (n) => (n / 1024 / 1024).toFixed(2);
let total = [0, 0];
for (const f of fs.readdirSync('dist').filter((f) => f.endsWith('.wasm'))) {
  const wasm = fs.readFileSync(path.join('dist', f));
  const gz = zlib.gzipSync(wasm, { level: 9 }).length;
  total = [total[0] + wasm.length, total[1] + gz];
  console.log(`wasm ${f}: ${mb(wasm.length)} MiB raw, ${mb(gz)} MiB gzipped`);
}
console.log(`wasm, all modules: ${mb(total[0])} MiB raw, ${mb(total[1])} MiB gzipped`);
const firsts = [];
for (let i = 0; i < 5; i++) firsts.push(await firstRecommendation());
console.log(`navigation → first recommendation (CPU): median ${median(firsts).toFixed(0)} ms over ${firsts.length} loads (each in a fresh browser context, so nothing cached): ${firsts.map((x) => x.toFixed(0)).join(", ")}`);
for (const [backend, reps] of [['cpu', 41], ['webgpu', 5]]) {
  for (const seeds of [1, 8]) {
    const runs = await latencies(backend, 50, seeds, reps);
    const xs = runs.map((r) => r[0]);
    const trips = runs.map((r) => r[1]);
    console.log(`${backend.padEnd(6)} S=50 K=${seeds}: median ${median(xs).toFixed(1)} ms per request in the worker (${(median(xs) / 50).toFixed(2)} ms per step; ${reps} requests, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}); round trip seen by the page: median ${median(trips).toFixed(0)} ms`);
  }
}
await soak(Number(process.env.SOAK_REQUESTS || 1000));
await browser.close();
server.close();
