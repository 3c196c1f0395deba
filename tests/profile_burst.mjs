// Profile (not a test): a CDP CPU profile of the UI thread during the burst the e2e test makes (16
// guidance changes at Seeds 8 / Steps 50), self time per function, top 40. Needs a release build in
// dist/; run with `node tests/profile_burst.mjs`. wasm functions show as wasm-function[N]: map N to a
// name with `wasm-opt -g` on target/wasm-bindgen/release/playground_bg.wasm and `wasm-dis`.
import { startServer, launchBrowser } from './support.mjs';

const { server, base } = await startServer();
const browser = await launchBrowser();
const page = await (await browser.newContext()).newPage();
await page.goto(base + '/?backend=cpu&seeds=8&steps=50&guidance=0');
await page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem').nth(9).waitFor({ timeout: 120_000 });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
const slider = page.getByLabel('Guidance scale', { exact: true });
for (let g = 0.5; g <= 8; g += 0.5) await slider.fill(String(g));
await page.waitForTimeout(2000);
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
profile.samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber}`;
  self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0) / 1000);
});
for (const [key, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(ms.toFixed(1).padStart(8), 'ms', key);
await browser.close();
server.close();
