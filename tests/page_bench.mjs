// Page benchmark (not a test): request latency on the CPU and WebGPU paths in headless Chromium,
// time from navigation to the first recommendation, and the wasm size. Needs a release build in
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

/** Latencies (ms, from the status line) of `reps` requests, each made by typing a new seed. */
async function latencies(backend, steps, seeds, reps) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/?${history}&backend=${backend}&steps=${steps}&seeds=${seeds}&guidance=1&eta=0&seed=0`);
  const status = page.getByRole('status');
  await status.filter({ hasText: new RegExp(`backend: ${backend === 'cpu' ? 'CPU' : 'WebGPU'} · last request`) }).waitFor({ timeout: 300_000 });
  const out = [];
  const snapshot = () => page.evaluate(() => document.querySelector('[role=status]').textContent + '|' +
    document.querySelector('ol[aria-label=Recommendations]').textContent);
  for (let seed = 1; seed <= reps; seed++) {
    // A new seed changes the scores shown (and the latency): wait for the page to show a new result.
    const before = await snapshot();
    await page.getByLabel('Seed', { exact: true }).fill(String(seed));
    await page.getByLabel('Seed', { exact: true }).press('Enter');
    const deadline = Date.now() + 300_000;
    while ((await snapshot()) === before && Date.now() < deadline) await page.waitForTimeout(5);
    out.push(Number(/last request ([\d.]+) ms/.exec(await status.textContent())[1]));
  }
  await page.context().close();
  return out;
}

const wasm = fs.readdirSync('dist').filter((f) => f.endsWith('.wasm')).map((f) => fs.readFileSync(path.join('dist', f)))[0];
const mb = (n) => (n / 1024 / 1024).toFixed(2);
console.log(`wasm: ${mb(wasm.length)} MiB raw, ${mb(zlib.gzipSync(wasm, { level: 9 }).length)} MiB gzipped`);
const firsts = [];
for (let i = 0; i < 3; i++) firsts.push(await firstRecommendation());
console.log(`navigation → first recommendation (CPU): median ${median(firsts).toFixed(0)} ms over 3 loads (${firsts.map((x) => x.toFixed(0)).join(', ')})`);
for (const [backend, reps] of [['cpu', 15], ['webgpu', 5]]) {
  for (const seeds of [1, 8]) {
    const xs = await latencies(backend, 50, seeds, reps);
    console.log(`${backend.padEnd(6)} S=50 K=${seeds}: median ${median(xs).toFixed(1)} ms per request (${(median(xs) / 50).toFixed(2)} ms per step; ${reps} requests, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
  }
}
await browser.close();
server.close();
