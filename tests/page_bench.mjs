// Page benchmark (not a test): request latency on the CPU and WebGPU paths in headless Chromium,
// time from navigation to the first recommendation, the map's work per pan/zoom frame, title search
// per keystroke, the wasm size, and a 1,000-request memory soak (SOAK_REQUESTS=N to change it).
// Needs a release build in dist/ (`trunk build --release`); run with `cargo xtask bench-page` or
// `node tests/page_bench.mjs`. BENCH_BUNDLE=DIR measures that bundle (copied into dist/models/, opened
// with dataset=its folder name) instead of the shipped one: `cargo xtask bench-page --items 12000`.
// CPU_WORKERS=1 keeps every CPU request in one worker (by default a request with several seeds is
// split over two once the second worker has loaded the model).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launchBrowser } from './support.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const bundle = process.env.BENCH_BUNDLE;
// Longer than the map's trajectory replay (map_canvas.rs, ANIMATION_MS) plus placing the points.
const IDLE_PAUSE_MS = 1500;
const dataset = bundle ? path.basename(bundle) : 'ml-100k';
if (bundle) fs.cpSync(bundle, path.join('dist/models', dataset), { recursive: true });
const catalogue = JSON.parse(fs.readFileSync(path.join('dist/models', dataset, 'catalogue.json'), 'utf8'));
console.log(`bundle models/${dataset}: ${catalogue.items.length - 1} items`);
const history = `dataset=${dataset}&history=1,50,100,181,258,288,294,300`;

const { server, base } = await startServer();
const browser = await launchBrowser();

/** Navigation → first list, timed inside the page: a MutationObserver notes when the tenth item is in
 *  the DOM, and the frame after it (when it is painted). Not `performance.now()` after Playwright's
 *  wait, which polls with growing back-off (up to 500 ms) and read 150–300 ms late. */
async function firstRecommendation() {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelectorAll('ol[aria-label=Recommendations] li').length < 10) return;
      observer.disconnect();
      window.__firstList = { inDom: performance.now() };
      requestAnimationFrame(() => setTimeout(() => { window.__firstList.painted = performance.now(); }));
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(`${base}/?dataset=${dataset}&backend=cpu`);
  await page.waitForFunction(() => window.__firstList?.painted !== undefined, null, { timeout: 120_000 });
  const { inDom, painted } = await page.evaluate(() => window.__firstList);
  await context.close();
  return [inDom, painted];
}

/** A page on `backend` at S=`steps`, K=`seeds`, once its first request is on screen. It keeps the UI
 *  module's memory in `window.__wasmMemory` (Trunk hands the instance's exports to this event). */
async function requestPage(backend, steps, seeds) {
  const context = await browser.newContext();
  await context.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasmMemory = e.detail.wasm.memory; }));
  const page = await context.newPage();
  page.on('crash', () => console.log(`the page crashed (${backend}, S=${steps}, K=${seeds})`));
  await page.goto(`${base}/?${history}&backend=${backend}&steps=${steps}&seeds=${seeds}&guidance=1&eta=0&seed=0`);
  await page.getByRole('status').filter({ hasText: new RegExp(`backend: ${backend === 'cpu' ? 'CPU' : 'WebGPU'} · last request`) }).waitFor({ timeout: 300_000 });
  if (backend === 'cpu' && seeds > 1) {
    if (process.env.CPU_WORKERS === '1') {
      await page.evaluate(() => window.playgroundTestHooks.setCpuWorkers(1));
    } else {
      // The first request started the second worker: time only requests it takes part in.
      for (let seed = 1000; seed < 1030 && !/split over/.test(await page.getByRole('status').textContent()); seed++) {
        await request(page, seed);
      }
    }
  }
  return page;
}

/** One request, made by typing a new seed: [its latency (ms) as the status line reports it, which
 *  the worker measures around generation + readback; the round trip the page sees, from the
 *  keypress to the new list]. The page itself waits for the change (a MutationObserver), so the
 *  benchmark adds no polling to the two cores the worker and the page share. */
async function request(page, seed) {
  await page.getByLabel('Seed', { exact: true }).fill(String(seed));
  const changed = page.evaluate(() => new Promise((done) => {
    const snapshot = () => document.querySelector('[role=status]').textContent + '|' + document.querySelector('ol[aria-label=Recommendations]').textContent;
    const before = snapshot();
    const start = performance.now();
    // A new seed changes the scores shown (and the latency): the new result is on screen.
    const observer = new MutationObserver(() => {
      if (snapshot() === before) return;
      observer.disconnect();
      done([performance.now() - start, document.querySelector('[role=status]').textContent]);
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    // A result that leaves the status line and the list exactly as they were (same top 10, same
    // latency to 0.1 ms) changes nothing to observe: after 5 s the request is counted as untimed.
    setTimeout(() => { observer.disconnect(); done(null); }, 5000);
    // What pressing Enter in the box does: the input commits its value.
    document.getElementById('seed').dispatchEvent(new Event('change', { bubbles: true }));
  }));
  const result = await changed;
  if (result === null) return null;
  const [roundTrip, status] = result;
  return [Number(/last request ([\d.]+) ms/.exec(status)[1]), roundTrip, /split over/.test(status)];
}

/** `reps` requests, and how long the page's main (UI) thread was busy per request meanwhile, from
 *  Chromium's own task accounting (CDP `Performance.getMetrics`): all tasks, and the script part. */
async function latencies(backend, steps, seeds, reps, pauseMs = 0) {
  const page = await requestPage(backend, steps, seeds);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const out = [];
  for (let seed = 1; seed <= reps; seed++) {
    const timed = await request(page, seed);
    if (timed) out.push(timed);
    else console.log(`(seed ${seed}: status and list unchanged, not timed)`);
    if (pauseMs) await page.waitForTimeout(pauseMs);
  }
  const after = await metrics();
  await page.context().close();
  const perRequest = (name) => (1000 * (after[name] - before[name])) / reps;
  return { runs: out, uiBusy: perRequest('TaskDuration'), uiScript: perRequest('ScriptDuration') };
}

/** `n` consecutive requests at S=50, K=8 on the CPU: the wasm memory of the worker (where the model
 *  runs) and of the UI module (wasm memory never shrinks, so any growth would be a leak) and the UI's
 *  JS heap, sampled every n/4 requests. */
async function soak(n) {
  const page = await requestPage('cpu', 50, 8);
  const memory = () => page.evaluate(async () => [await window.playgroundTestHooks.workerMemoryBytes(), window.__wasmMemory?.buffer.byteLength ?? NaN, performance.memory?.usedJSHeapSize ?? NaN]);
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

/** Script time of one update, in the page: from dispatching `event` to the end of the work it
 *  queued (Leptos runs its effects as microtasks, so a zero timeout comes after all of them). One
 *  event per animation frame, as a user's gesture delivers them. */
async function perFrame(page, label, events) {
  const times = await page.evaluate(async (events) => {
    const out = [];
    for (const { selector, type, init } of events) {
      await new Promise((r) => requestAnimationFrame(r));
      const target = document.querySelector(selector);
      const box = target.getBoundingClientRect();
      const start = performance.now();
      if (type === 'input') {
        target.value = init.value;
        target.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        const at = { clientX: box.left + init.x, clientY: box.top + init.y, bubbles: true, cancelable: true };
        const Kind = type === 'wheel' ? WheelEvent : MouseEvent;
        target.dispatchEvent(new Kind(type, { ...at, ...init }));
      }
      await new Promise((r) => setTimeout(r, 0));
      out.push(performance.now() - start);
    }
    return out;
  }, events);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`${label}: median ${median(times).toFixed(2)} ms, p90 ${sorted[Math.floor(0.9 * (sorted.length - 1))].toFixed(2)}, max ${sorted.at(-1).toFixed(2)} (${times.length} events)`);
}

/** Panning and zooming the map (every item redrawn into its static layer each frame), and typing a
 *  title into the search box, on a loaded page. */
async function interaction() {
  const page = await requestPage('cpu', 50, 1);
  const canvas = 'canvas[aria-label="Embedding map"]';
  const wheel = Array.from({ length: 40 }, (_, i) => ({ selector: canvas, type: 'wheel', init: { x: 320, y: 240, deltaY: i % 2 ? 120 : -120 } }));
  await perFrame(page, `map zoom (wheel), ${catalogue.items.length - 1} items drawn per frame`, wheel);
  await page.evaluate((c) => document.querySelector(c).dispatchEvent(new MouseEvent('mousedown', { clientX: 100, clientY: 100, bubbles: true })), canvas);
  const pan = Array.from({ length: 40 }, (_, i) => ({ selector: canvas, type: 'mousemove', init: { x: 200 + 5 * i, y: 200 + 3 * i, buttons: 1 } }));
  await perFrame(page, `map pan (drag), ${catalogue.items.length - 1} items drawn per frame`, pan);
  const title = catalogue.items[Math.min(1000, catalogue.items.length - 1)].title.toLowerCase();
  const typing = [...title].map((_, i) => ({ selector: '#search', type: 'input', init: { value: title.slice(0, i + 1) } }));
  await perFrame(page, `title search, typing "${title}" a key at a time`, typing);
  await page.context().close();
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
const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
console.log(`navigation → first recommendation (CPU), 5 loads, each in a fresh browser context (nothing cached): ` +
  `list in the DOM median ${median(firsts.map((f) => f[0])).toFixed(0)} ms (${list(firsts.map((f) => f[0]))}); ` +
  `painted (the next frame) median ${median(firsts.map((f) => f[1])).toFixed(0)} ms (${list(firsts.map((f) => f[1]))})`);
await interaction();
// BENCH_BACKENDS=cpu skips the software WebGPU rows (minutes a request for a design that re-runs its encoder).
const backends = (process.env.BENCH_BACKENDS || 'cpu,webgpu').split(',');
for (const [backend, reps] of [['cpu', 41], ['webgpu', 5]].filter(([b]) => backends.includes(b))) {
  for (const seeds of [1, 8]) {
    const { runs, uiBusy, uiScript } = await latencies(backend, 50, seeds, reps);
    const xs = runs.map((r) => r[0]);
    const trips = runs.map((r) => r[1]);
    console.log(`${backend.padEnd(6)} S=50 K=${seeds}: median ${median(xs).toFixed(1)} ms per request in the worker (${(median(xs) / 50).toFixed(2)} ms per step; ${xs.length} requests, ${runs.filter((r) => r[2]).length} split over two workers, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}); round trip seen by the page: median ${median(trips).toFixed(0)} ms; UI thread busy ${uiBusy.toFixed(1)} ms per request (script ${uiScript.toFixed(1)})`);
  }
}
// One worker against two on one page, alternating request by request (a slow spell of the machine falls
// on both alike): K = 8 CPU requests, each pair's ratio two / one.
if (backends.includes('cpu') && process.env.CPU_WORKERS !== '1') {
  const page = await requestPage('cpu', 50, 8);
  const times = { 1: [], 2: [] };
  for (let seed = 1; seed <= 82; seed++) {
    const workers = seed % 2 ? 2 : 1;
    await page.evaluate((n) => window.playgroundTestHooks.setCpuWorkers(n), workers);
    const timed = await request(page, seed);
    if (timed && timed[2] === (workers === 2)) times[workers].push(timed[0]);
  }
  await page.context().close();
  const pairs = Math.min(times[1].length, times[2].length);
  const ratios = Array.from({ length: pairs }, (_, i) => times[2][i] / times[1][i]);
  console.log(`cpu    S=50 K=8, one and two workers alternating: one ${median(times[1]).toFixed(1)} ms (min ${Math.min(...times[1]).toFixed(1)}), two ${median(times[2]).toFixed(1)} ms (min ${Math.min(...times[2]).toFixed(1)}) median per request in the workers; two / one median ${median(ratios).toFixed(2)} over ${pairs} pairs`);
}
// The same CPU requests with the page left idle between them (its map replay and placing done), so the
// worker's time is its own and not a share of two cores with the UI still drawing the previous result.
for (const seeds of [1, 8]) {
  const xs = (await latencies('cpu', 50, seeds, 41, IDLE_PAUSE_MS)).runs.map((r) => r[0]);
  console.log(`cpu    S=50 K=${seeds}, page idle between requests (${IDLE_PAUSE_MS} ms): median ${median(xs).toFixed(1)} ms per request in the worker (${xs.length} requests, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
}
await soak(Number(process.env.SOAK_REQUESTS || 1000));
await browser.close();
server.close();
