// End-to-end: the release build in dist/ served on localhost, driven in Debian's headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const dist = path.resolve('dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };
let server, browser, base;

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    ignoreDefaultArgs: ['--headless'],
    args: ['--headless=new', '--enable-unsafe-webgpu', '--no-sandbox', '--disable-gpu-sandbox', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('first load shows ten recommendations from the embedded model, with no page errors', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const started = Date.now();
  await page.goto(base + '/');
  const items = page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem');
  await items.nth(9).waitFor({ timeout: 120_000 });
  console.log(`first recommendation after ${Date.now() - started} ms`);
  assert.equal(await items.count(), 10);
  const titles = await items.allTextContents();
  assert.ok(titles.every((t) => t.trim().length > 0 && !t.startsWith('item ')), titles.join(' | '));
  assert.equal(new Set(titles).size, 10, 'ten distinct items');
  const status = await page.getByRole('status').textContent();
  assert.match(status, /backend: CPU .* ms/);
  assert.equal(await page.getByRole('list', { name: 'History' }).getByRole('listitem').count(), 5);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a missing bundle gives a clear error, not a blank page', async () => {
  const page = await browser.newPage();
  await page.route('**/models/ml-100k/manifest.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(base + '/');
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 60_000 });
  assert.match(await alert.textContent(), /Could not load the model bundle.*404/);
  await page.close();
});
