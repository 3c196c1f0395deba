// Profile (not a test): a CDP CPU profile of the page's UI thread over 20 requests (a new seed each, CPU,
// S=50, K=8), self time per function in ms per request, top 25, with function names. Needs a release build
// (`trunk build --release`): it serves a copy of dist/ whose UI wasm is the named one Trunk left in
// target/wasm-bindgen/release/ (its preload integrity attributes removed). BENCH_BUNDLE=DIR profiles that
// bundle (served as models/<its folder name>). Run with `node tests/profile_ui.mjs` (BENCHMARKS.md).
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { startServer, launchBrowser } from './support.mjs';
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-ui-'));
fs.cpSync('dist', dist, { recursive: true });
const hashed = fs.readdirSync(dist).find((f) => /^playground-.*_bg\.wasm$/.test(f));
fs.copyFileSync('target/wasm-bindgen/release/playground_bg.wasm', path.join(dist, hashed));
fs.writeFileSync(path.join(dist, 'index.html'), fs.readFileSync(path.join(dist, 'index.html'), 'utf8').replace(/ integrity="[^"]*"/g, ''));
const bundle = process.env.BENCH_BUNDLE; const dataset = bundle ? path.basename(bundle) : 'ml-100k';
if (bundle) fs.cpSync(bundle, path.join(dist, 'models', dataset), { recursive: true });
const { server, base } = await startServer(dist);
const browser = await launchBrowser();
const page = await (await browser.newContext()).newPage();
await page.goto(`${base}/?dataset=${dataset}&history=50,100,181,258,286,288,294,300&backend=cpu&seeds=8&steps=50&guidance=1`);
await page.getByRole('status').filter({ hasText: /backend: CPU · last request/ }).waitFor({ timeout: 120_000 });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start');
const seed = page.getByLabel('Seed', { exact: true });
for (let n = 1; n <= 20; n++) { await seed.fill(String(n)); await seed.press('Enter'); await page.waitForTimeout(900); }
const { profile } = await cdp.send('Profiler.stop');
const self = new Map(); const dt = profile.timeDeltas; const counts = new Map();
profile.samples.forEach((id, i) => counts.set(id, (counts.get(id) || 0) + (dt[i] || 0)));
for (const n of profile.nodes) { const name = n.callFrame.functionName || n.callFrame.url.split('/').pop() || '(anon)'; self.set(name, (self.get(name) || 0) + (counts.get(n.id) || 0) / 1000); }
const top = [...self].filter(([k]) => !['(idle)', '(program)'].includes(k)).sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, v] of top) console.log((v / 20).toFixed(2).padStart(8), 'ms/request', k.slice(0, 110));
await browser.close(); server.close();
