// Profile (not a test): a CDP CPU profile of the inference worker while the page makes CPU requests
// (a new seed each, S=50, guided, K from `K`, default 1, every request whole in the main worker), with function names. Needs a release build
// (`trunk build --release`): it serves a copy of dist/ whose worker wasm is the named one Trunk left in
// target/wasm-bindgen/release/ (before wasm-opt strips the names), warms up, profiles 60 requests, and
// prints self and inclusive time per function (the top 30, or `TOP`). Run with `node tests/profile_worker.mjs` (BENCHMARKS.md);
// BENCH_BUNDLE=DIR profiles that bundle (served as models/<its folder name>) instead of the shipped one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser } from './support.mjs';

const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-dist-'));
fs.cpSync('dist', dist, { recursive: true });
fs.copyFileSync('target/wasm-bindgen/release/inference-worker_bg.wasm', path.join(dist, 'inference-worker_bg.wasm'));
const bundle = process.env.BENCH_BUNDLE;
const dataset = bundle ? path.basename(bundle) : 'ml-100k';
if (bundle) fs.cpSync(bundle, path.join(dist, 'models', dataset), { recursive: true });
const { server, base } = await startServer(dist);
const browser = await launchBrowser();
const page = await (await browser.newContext()).newPage();
await page.goto(`${base}/?dataset=${dataset}&history=50,100,181,258,286,288,294,300&backend=cpu&steps=50&seeds=${process.env.K || 1}&guidance=1&eta=0&seed=0`);
await page.getByRole('status').filter({ hasText: /backend: CPU · last request/ }).waitFor({ timeout: 120_000 });
const seed = page.getByLabel('Seed', { exact: true });
const request = async (n) => { await seed.fill(String(n)); await seed.press('Enter'); await page.waitForTimeout(80); };
// The whole request in one worker (the page splits a request with several seeds over two).
await page.evaluate(() => window.playgroundTestHooks.setCpuWorkers(1));
for (let n = 1; n <= 30; n++) await request(n); // V8's top tier compiles the worker meanwhile

// The workers are child targets; their own protocol messages travel through the browser session. Every
// inference worker is profiled (the page may have started a second one; with one worker per request it idles).
const cdp = await browser.newBrowserCDPSession();
const { targetInfos } = await cdp.send('Target.getTargets');
const workers = targetInfos.filter((t) => t.type === 'worker' && t.url.includes('inference-worker'));
let lastId = 0;
const waiting = new Map();
cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
  const reply = JSON.parse(message);
  waiting.get(reply.id)?.(reply.result);
  waiting.delete(reply.id);
});
const send = (sessionId, method, params = {}) => new Promise((done) => {
  waiting.set(++lastId, done);
  cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: lastId, method, params }) });
});
const sessions = [];
for (const worker of workers) {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
  await send(sessionId, 'Profiler.enable');
  await send(sessionId, 'Profiler.setSamplingInterval', { interval: 100 });
  await send(sessionId, 'Profiler.start');
  sessions.push(sessionId);
}
const latencies = [];
for (let n = 100; n < 160; n++) {
  await request(n);
  latencies.push(Number(/last request ([\d.]+) ms/.exec(await page.getByRole('status').textContent())[1]));
}
const profiles = [];
for (const sessionId of sessions) profiles.push((await send(sessionId, 'Profiler.stop')).profile);
await browser.close();
server.close();
fs.rmSync(dist, { recursive: true });

latencies.sort((a, b) => a - b);
console.log(`60 requests, in-worker latency: median ${latencies[30]} ms, min ${latencies[0]}, max ${latencies[59]}`);
const self = new Map();
const inclusive = new Map();
const add = (map, key, ms) => map.set(key, (map.get(key) || 0) + ms);
for (const profile of profiles) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] || 0) / 1000;
    add(self, byId.get(id).callFrame.functionName, ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName;
      if (!seen.has(name)) add(inclusive, name, ms);
      seen.add(name);
    }
  });
}
const busy = [...self.entries()].filter(([name]) => name !== '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
const short = (name) => name.replace(/::h[0-9a-f]{16}/g, '').slice(0, 140);
for (const [title, map] of [['self', self], ['inclusive', inclusive]]) {
  console.log(`-- ${title} time (ms, % of the workers' busy ${busy.toFixed(0)} ms)`);
  for (const [name, ms] of [...map.entries()].filter(([n]) => !['(idle)', '(root)'].includes(n)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 30))) {
    console.log(ms.toFixed(1).padStart(8), `${(100 * ms / busy).toFixed(1).padStart(5)}%`, short(name));
  }
}
