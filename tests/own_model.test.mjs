// End-to-end, in headless Chromium: a model opened from disk ("Open a model…", picked or dropped),
// hosted bundles chosen by `dataset=NAME`, and the page under its Content-Security-Policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, recs, settledRecs } from './support.mjs';

const SHIPPED = path.resolve('public/models/ml-100k');
let server, browser, base, scratch;

before(async () => {
  ({ server, base } = await startServer());
  browser = await launchBrowser();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'own-model-'));
});

after(async () => {
  await browser?.close();
  server?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A fresh page that records page errors, CSP violations and every request it makes. */
async function open(query = '') {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  await page.goto(base + '/' + query);
  return { page, errors, requests, context };
}

/** A copy of the shipped bundle in `scratch/name`, with `edit(dir)` applied. */
function bundleCopy(name, edit = () => {}) {
  const dir = path.join(scratch, name);
  fs.cpSync(SHIPPED, dir, { recursive: true });
  edit(dir);
  return dir;
}

const modelCard = (page) => page.locator('.model-card');

test('the page ships a strict Content-Security-Policy, no inline script, and runs under it without a violation', async () => {
  const html = fs.readFileSync('dist/index.html', 'utf8');
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "object-src 'none'", "worker-src 'self'", "style-src 'self'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), 'no inline script allowed');
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(([, attrs, body]) => !/\bsrc=/.test(attrs) || body.trim());
  assert.deepEqual(inline, [], 'every script is a file');
  assert.ok(!/<style/.test(html), 'styles are a file');

  const { page, errors, context } = await open();
  assert.equal((await settledRecs(page)).length, 10);
  await page.locator('canvas[aria-label="Embedding map"]').waitFor();
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'the page needs nothing the policy forbids');
  // The policy is in force: an injected inline script is blocked and reported.
  await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); });
  await page.waitForFunction(() => window.__violations.length > 0);
  assert.equal(await page.evaluate(() => window.__ran), undefined);
  assert.match((await page.evaluate(() => window.__violations)).join(), /script-src/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Open a model… reads a bundle folder locally: its list, its card, a local link note, no upload', async () => {
  const folder = bundleCopy('my-export', (dir) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.name = 'My export';
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  });
  const { page, errors, requests, context } = await open();
  const before = await settledRecs(page);
  // The hosted page's charts read the other models' grids after its first list; let them finish first.
  await page.getByRole('list', { name: 'Other models' }).getByRole('listitem').nth(2).waitFor({ timeout: 60_000 });
  const seen = requests.length;
  await page.locator('#open-model').setInputFiles(folder);
  await modelCard(page).filter({ hasText: 'My export' }).waitFor({ timeout: 60_000 });
  assert.match(await modelCard(page).textContent(), /My export · 1349 items .* opened from this computer/);
  const after = await settledRecs(page);
  assert.deepEqual(after, before, 'the same weights give the same list for the same (preset) history');
  assert.equal(new URL(page.url()).searchParams.get('dataset'), 'local:my-export');
  assert.match(await page.locator('.local-link-note').textContent(), /opened from this computer: its link opens the default model anywhere else/);
  const later = requests.slice(seen);
  assert.deepEqual(later.filter((r) => r.method !== 'GET' || r.url.includes('/models/')), [], 'nothing uploaded, no bundle fetched');
  assert.deepEqual(errors, []);

  // Its link, opened elsewhere, gets the default model and says why.
  const link = page.url();
  const { page: other, context: otherContext } = await open(link.slice(link.indexOf('?')));
  await settledRecs(other);
  assert.match(await modelCard(other).textContent(), /^Model: MovieLens-100K/);
  assert.match(await other.getByRole('alert').textContent(), /dataset "my-export": this link was made with a model opened from disk.*showing ml-100k/);
  await otherContext.close();
  await context.close();
});

test('a damaged local file gets the error screen, and Back returns to the model the user had', async () => {
  const damaged = bundleCopy('damaged', (dir) => {
    const weights = fs.readFileSync(path.join(dir, 'weights.bpk'));
    weights[weights.length - 7] ^= 1;
    fs.writeFileSync(path.join(dir, 'weights.bpk'), weights);
  });
  const { page, errors, context } = await open('?steps=3&guidance=2');
  const before = await settledRecs(page);
  await page.locator('#open-model').setInputFiles(damaged);
  const alert = page.getByRole('alert').filter({ hasText: 'could not be loaded' });
  await alert.waitFor({ timeout: 60_000 });
  assert.match(await alert.textContent(), /damaged\/weights.bpk \(on this computer\): the file does not match the manifest/);
  await page.getByRole('button', { name: 'Back to MovieLens-100K' }).click();
  assert.deepEqual(await settledRecs(page), before, 'the same list, from the same link');
  assert.equal(new URL(page.url()).searchParams.get('steps'), '3');

  // A folder without a manifest, and a weights file above its limit, are refused the same way.
  const empty = path.join(scratch, 'no-manifest');
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(empty, 'notes.txt'), 'hello');
  await page.locator('#open-model').setInputFiles(empty);
  await alert.waitFor();
  assert.match(await alert.textContent(), /none of the 1 opened files is a manifest.json/);
  await page.getByRole('button', { name: 'Back to MovieLens-100K' }).click();
  const huge = bundleCopy('huge', (dir) => fs.truncateSync(path.join(dir, 'weights.bpk'), 80 << 20));
  await page.locator('#open-model').setInputFiles(huge);
  await alert.waitFor();
  assert.match(await alert.textContent(), /weights.bpk \(on this computer\) is 83886080 bytes, above the \d+-byte limit/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dropping a bundle\'s files on the page opens them', async () => {
  const { page, errors, context } = await open();
  await settledRecs(page);
  const files = Object.fromEntries(fs.readdirSync(SHIPPED).map((f) => [f, fs.readFileSync(path.join(SHIPPED, f)).toString('base64')]));
  await page.evaluate((files) => {
    const transfer = new DataTransfer();
    for (const [name, b64] of Object.entries(files)) {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name));
    }
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
  await modelCard(page).filter({ hasText: 'opened from this computer' }).waitFor({ timeout: 60_000 });
  assert.equal(new URL(page.url()).searchParams.get('dataset'), 'local:opened files');
  assert.equal((await settledRecs(page)).length, 10);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dropping a folder walks it: batched directory reads, nested folders, the shallowest manifest wins', async () => {
  const { page, errors, context } = await open();
  const before = await settledRecs(page);
  const files = Object.fromEntries(fs.readdirSync(SHIPPED).map((f) => [f, fs.readFileSync(path.join(SHIPPED, f)).toString('base64')]));
  await page.evaluate((files) => {
    // A folder as the browser's File System entries give it (a synthetic DataTransfer has no folders):
    // dropped-export/ with the bundle, read in two batches then an empty one, a nested notes/ folder and an
    // old/ folder holding a broken manifest that must lose to the shallower one.
    const file = (dir, name, bytes) => ({
      isDirectory: false, isFile: true, name, fullPath: `${dir}/${name}`,
      file: (ok) => setTimeout(() => ok(new File([bytes], name)), 0),
    });
    const folder = (fullPath, batches) => ({
      isDirectory: true, isFile: false, name: fullPath.split('/').pop(), fullPath,
      createReader: () => {
        const left = [...batches, []];
        return { readEntries: (ok) => setTimeout(() => ok(left.shift() ?? []), 0) };
      },
    });
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const top = '/dropped-export';
    const bundle = Object.entries(files).map(([name, b64]) => file(top, name, bytes(b64)));
    const notes = folder(`${top}/notes`, [[file(`${top}/notes`, 'readme.txt', new TextEncoder().encode('trained on Tuesday'))]]);
    const old = folder(`${top}/old`, [[file(`${top}/old`, 'manifest.json', new TextEncoder().encode('{ not json'))]]);
    const root = folder(top, [bundle.slice(0, 2).concat([notes]), bundle.slice(2).concat([old])]);
    const transfer = new DataTransfer();
    transfer.items.add(new File(['placeholder'], 'dropped-export'));
    DataTransferItem.prototype.webkitGetAsEntry = function () { return root; };
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, files);
  await modelCard(page).filter({ hasText: 'opened from this computer' }).waitFor({ timeout: 60_000 });
  assert.equal(new URL(page.url()).searchParams.get('dataset'), 'local:dropped-export');
  assert.deepEqual(await settledRecs(page), before, 'the same weights give the same list');
  assert.equal(await page.getByRole('alert').count(), 0, 'the nested folders are ignored, not errors');
  assert.deepEqual(errors, []);
  await context.close();
});

test('dataset=NAME opens models/NAME/ on the same origin; a missing or hostile name gets the default and a notice', async () => {
  // A second hosted bundle, served by the test from the shipped files.
  const context = await browser.newContext();
  await context.route('**/models/toys/*', async (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop();
    let body = fs.readFileSync(path.join(SHIPPED, file));
    if (file === 'manifest.json') body = JSON.stringify({ ...JSON.parse(body), name: 'Toys copy' });
    await route.fulfill({ status: 200, body });
  });
  const page = await context.newPage();
  await page.goto(base + '/?dataset=toys&steps=2');
  await settledRecs(page);
  assert.match(await modelCard(page).textContent(), /^Model: Toys copy/);
  assert.equal(new URL(page.url()).searchParams.get('dataset'), 'toys');
  assert.equal(await page.getByRole('alert').count(), 0, 'no notice for a bundle that is there');
  await context.close();

  for (const [name, notice] of [
    ['nothing-here', /dataset "nothing-here": no model bundle models\/nothing-here\/ on this site; showing ml-100k/],
    ['../../etc', /unknown dataset "..\/..\/etc": not a bundle folder name.*showing ml-100k/],
    ['<b>x</b>', /unknown dataset "<b>x<\/b>"/],
  ]) {
    const { page, errors, requests, context } = await open(`?dataset=${encodeURIComponent(name)}&history=1,2`);
    await settledRecs(page);
    assert.match(await modelCard(page).textContent(), /^Model: MovieLens-100K/);
    assert.match(await page.getByRole('alert').textContent(), notice);
    assert.equal(await page.locator('b').count(), 0, 'markup stays text');
    const fetched = requests.map((r) => new URL(r.url).pathname).filter((p) => !/\.(js|wasm|css)$/.test(p) && p !== '/');
    assert.ok(fetched.every((p) => p.startsWith('/models/')), `only models/ is fetched: ${fetched}`);
    assert.equal(new URL(page.url()).searchParams.get('dataset'), 'ml-100k');
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('a 12,000-item bundle (cargo xtask synthetic-bundle) renders its map and its list', async () => {
  const dir = process.env.SYNTHETIC_BUNDLE ?? 'target/bundles/synthetic-12000';
  assert.ok(fs.existsSync(path.join(dir, 'manifest.json')), `no bundle in ${dir}: run cargo xtask synthetic-bundle first`);
  const name = path.basename(dir);
  const context = await browser.newContext();
  await context.route(`**/models/${name}/*`, (route) =>
    route.fulfill({ status: 200, body: fs.readFileSync(path.join(dir, new URL(route.request().url()).pathname.split('/').pop())) }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/?dataset=${name}&steps=5`);
  const list = await settledRecs(page);
  assert.equal(list.length, 10);
  assert.match(await modelCard(page).textContent(), /12000 items/);
  // The map draws every item: most of the canvas's 8×8 cells hold a coloured (non-white) pixel.
  const canvas = page.locator('canvas[aria-label="Embedding map"]');
  await canvas.waitFor();
  const filled = await canvas.evaluate((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let cells = 0, coloured = 0;
    for (let y = 0; y < c.height; y += 8) for (let x = 0; x < c.width; x += 8) {
      cells++;
      let any = false;
      for (let dy = 0; dy < 8 && !any; dy++) for (let dx = 0; dx < 8 && !any; dx++) {
        const i = 4 * ((y + dy) * c.width + x + dx);
        any = data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240;
      }
      coloured += any;
    }
    return coloured / cells;
  });
  assert.ok(filled > 0.25, `the map covers ${(100 * filled).toFixed(0)}% of the canvas`);
  // Search finds a title far down the catalogue.
  await page.getByLabel('Add item to history').fill('product 11999');
  await page.locator('#suggestions button').first().waitFor();
  assert.match(await page.locator('#suggestions button').first().textContent(), /product 11999/);
  assert.deepEqual(errors, []);
  await context.close();
});
