// End-to-end: the release build in dist/ served on localhost, driven in Debian's headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, recs } from './support.mjs';

let server, browser, base;

before(async () => {
  ({ server, base } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page (own context) that records page errors. */
async function open(query = '', contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/' + query);
  return { page, errors, context };
}

const historyItems = (page) => page.getByRole('list', { name: 'History' }).getByRole('listitem');

/** A recommendation's title, without its score. */
const title = (text) => text.replace(/[\d.]+%.*$/, '').trim();

async function waitForRecs(page, n = 10) {
  await recs(page).nth(n - 1).waitFor({ timeout: 120_000 });
  return settled(page, await recs(page).allTextContents());
}

/** The list once it has stopped changing. Kept rows are updated in place (keyed by item), and their
 *  new scores can land a task before the rows that enter or leave: a read in between would catch a
 *  list that is half the old one. Two reads 150 ms apart must agree. */
async function settled(page, list) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.waitForTimeout(150);
    const again = await recs(page).allTextContents();
    if (again.join('\n') === list.join('\n')) return list;
    list = again;
  }
  assert.fail('the recommendations kept changing for 30 s');
}

/** Waits until the recommendation list differs from `before`, and returns it once it has settled. */
async function waitForChange(page, before) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const now = await recs(page).allTextContents();
    if (now.length >= 10 && now.join('\n') !== before.join('\n')) return settled(page, now);
    await page.waitForTimeout(50);
  }
  assert.fail('the recommendations did not change');
}

test('the built site works from a sub-path of a static host, with a landmark and no console errors', async () => {
  const sub = await startServer(undefined, '/a/b/demo');
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  try {
    await page.goto(sub.base + '/a/b/demo/?backend=cpu');
    assert.equal((await waitForRecs(page)).length, 10);
    assert.equal(await page.locator('main').count(), 1, 'one <main> landmark');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    sub.server.close();
  }
});

test('axe-core finds no serious or critical accessibility violations on the loaded page', async () => {
  // axe-core is injected as a script tag, which the page's Content-Security-Policy would block.
  const { page, context } = await open('?backend=cpu&holdout=1', { bypassCSP: true });
  await waitForRecs(page);
  await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes): ${v.help}`), []);
  await context.close();
});

test('first load shows ten recommendations for a preset history, and the URL carries the state', async () => {
  const started = Date.now();
  const { page, errors, context } = await open();
  const titles = await waitForRecs(page);
  console.log(`first recommendation after ${Date.now() - started} ms`);
  assert.equal(titles.length, 10);
  assert.ok(titles.every((t) => t.trim().length > 0 && !t.startsWith('item ')), titles.join(' | '));
  assert.equal(new Set(titles).size, 10, 'ten distinct items');
  // The bundle opens at its chosen setting; at steps 0 the status line says the encoder ran alone, with
  // no cost per step (there were none), and with steps it gives the cost per step.
  const steps = new URL(page.url()).searchParams.get('steps');
  const cost = steps === '0' ? /last request [\d.]+ ms \(the encoder alone, no denoising\)/ : /last request [\d.]+ ms \([\d.]+ ms per step; \d+ steps?/;
  assert.match(await page.getByRole('status').textContent(), new RegExp(`backend: CPU .*${cost.source}`));
  assert.ok((await historyItems(page).count()) >= 2, 'a preset history is shown');
  const url = new URL(page.url());
  for (const key of ['dataset', 'history', 'guidance', 'steps', 'seeds', 'eta', 'start', 'seed', 'mask', 'holdout', 'backend']) {
    assert.ok(url.searchParams.has(key), `URL lacks ${key}: ${url}`);
  }
  // Masked history: nothing already watched is recommended.
  const watched = await historyItems(page).locator('.title').allTextContents();
  const recommended = await recs(page).locator('.title').allTextContents();
  assert.deepEqual(recommended.filter((t) => watched.includes(t)), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('at steps 0 the page says that guidance, start strength, seeds and η do nothing, and stops saying it once steps are added', async () => {
  const { page, errors, context } = await open('?backend=cpu&steps=0');
  await waitForRecs(page);
  const note = page.locator('#encoder-alone-note');
  assert.ok(await note.isVisible(), 'the note shows at steps 0');
  assert.match(await note.textContent(), /encoder alone.*guidance, start strength, seeds, η and seed change nothing/);
  // The status line does not divide by zero steps: it says the encoder ran alone.
  const status = page.getByRole('status');
  assert.match(await status.textContent(), /last request [\d.]+ ms \(the encoder alone, no denoising\)/);
  assert.doesNotMatch(await status.textContent(), /per step/);
  await page.getByLabel('Steps', { exact: true }).fill('2');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('steps') === '2');
  assert.ok(await note.isHidden(), 'no note once the diffusion runs');
  await status.filter({ hasText: /[\d.]+ ms per step; 2 steps × 1 seed/ }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('guidance and steps change the results live and update the URL without new history entries', async () => {
  // Two steps: the bundle's chosen default may be steps 0 (the encoder alone), where guidance does nothing.
  const { page, errors, context } = await open('?backend=cpu&steps=2');
  let list = await waitForRecs(page);
  const entries = await page.evaluate(() => history.length);
  // Rows are keyed by item: an item still recommended after the change keeps its row element.
  await recs(page).evaluateAll((rows) => rows.forEach((row) => { row.dataset.mark = row.querySelector('.title').textContent; }));
  await page.getByLabel('Guidance scale', { exact: true }).fill('4');
  list = await waitForChange(page, list);
  const rows = await recs(page).evaluateAll((rows) => rows.map((row) => [row.querySelector('.title').textContent, row.dataset.mark ?? null]));
  const kept = rows.filter(([, mark]) => mark !== null);
  assert.ok(kept.every(([t, mark]) => t === mark), `a kept row shows its own item: ${JSON.stringify(rows)}`);
  assert.ok(kept.length > 0, `the two lists share items, whose rows stayed: ${JSON.stringify(rows)}`);
  // Address-bar writes are coalesced (at most 4 a second), so the URL may follow a moment later.
  await page.waitForFunction(() => new URL(location.href).searchParams.get('guidance') === '4');
  await page.getByLabel('Steps', { exact: true }).fill('20');
  list = await waitForChange(page, list);
  await page.waitForFunction(() => new URL(location.href).searchParams.get('steps') === '20');
  assert.match(await page.getByRole('status').textContent(), /20 steps/);
  // Keyboard: the slider moves with the arrow keys.
  await page.getByLabel('Guidance scale', { exact: true }).focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('guidance') === '4.5');
  assert.equal(await page.evaluate(() => history.length), entries, 'replaceState, not pushState');
  assert.deepEqual(errors, []);
  await context.close();
});

test('start strength changes the list, is stored in the URL, and a link with it opens at it', async () => {
  const { page, errors, context } = await open('?backend=cpu&steps=5&guidance=1&start=1');
  let list = await waitForRecs(page);
  const slider = page.getByLabel('Start strength', { exact: true });
  assert.equal(await slider.inputValue(), '1');
  // Near 0 the chain starts close to the encoder's prediction, so the list moves.
  await slider.fill('0.1');
  list = await waitForChange(page, list);
  await page.waitForFunction(() => new URL(location.href).searchParams.get('start') === '0.1');
  // Keyboard: one step of 0.05 up, written exactly.
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('start') === '0.15');
  await page.waitForTimeout(300);
  list = await settled(page, await recs(page).allTextContents());
  const fresh = await open(page.url().slice(base.length + 1));
  assert.deepEqual(await waitForRecs(fresh.page), list, 'the link reproduces the list');
  assert.equal(await fresh.page.getByLabel('Start strength', { exact: true }).inputValue(), '0.15');
  assert.deepEqual(errors, []);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
  await context.close();
});

test('a copied link reproduces the exact list in a fresh page', async () => {
  // Five steps: η only acts between steps, and the bundle's chosen default may be a single step.
  const { page, context } = await open('?backend=cpu&steps=5', { permissions: ['clipboard-read', 'clipboard-write'] });
  let list = await waitForRecs(page);
  await page.getByLabel('Seeds in ensemble', { exact: true }).fill('3');
  list = await waitForChange(page, list);
  await page.getByLabel('η', { exact: true }).fill('0.5');
  list = await waitForChange(page, list);
  await page.getByLabel('Start strength', { exact: true }).fill('0.5');
  list = await waitForChange(page, list);
  await page.getByLabel('Seed', { exact: true }).fill('42');
  await page.getByLabel('Seed', { exact: true }).press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('seed') === '42');
  list = await waitForChange(page, list);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.getByText('Link copied.').waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  // The link is built from the state; the address bar reaches the same URL within a coalescing gap.
  await page.waitForFunction((l) => location.href === l, link);
  await page.waitForTimeout(300);
  list = await settled(page, await recs(page).allTextContents());

  const fresh = await open(link.slice(base.length + 1));
  const again = await waitForRecs(fresh.page);
  assert.deepEqual(again, list);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
  await context.close();
});

test('search adds an item; history items can be reordered and removed; the URL follows', async () => {
  const { page, errors, context } = await open('?backend=cpu&history=1,2');
  await waitForRecs(page);
  await page.getByLabel('Add item to history', { exact: true }).fill('star wars');
  const suggestion = page.getByRole('list', { name: 'Suggestions' }).getByRole('button').first();
  await suggestion.waitFor();
  assert.match(await suggestion.textContent(), /Star Wars/);
  await suggestion.click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history') === '1,2,50');
  assert.equal(await historyItems(page).count(), 3);
  // Rows are keyed by item: moving one leaves the other rows' elements in place (a mark set on
  // them survives), and the numbers follow the new order.
  await historyItems(page).evaluateAll((rows) => rows.forEach((row) => { row.dataset.mark = row.querySelector('.title').textContent; }));
  await page.getByRole('button', { name: 'Move Star Wars earlier' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history') === '1,50,2');
  assert.deepEqual(await historyItems(page).evaluateAll((rows) => rows.map((row) => [row.querySelector('.index').textContent, row.querySelector('.title').textContent, row.dataset.mark])),
    [['1.', 'Toy Story', 'Toy Story'], ['2.', 'Star Wars', 'Star Wars'], ['3.', 'GoldenEye', 'GoldenEye']]);
  assert.ok(await page.getByRole('button', { name: 'Move Toy Story earlier' }).isDisabled());
  assert.ok(await page.getByRole('button', { name: 'Move GoldenEye later' }).isDisabled());
  await page.getByRole('button', { name: 'Remove Toy Story' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history') === '50,2');
  // Enter adds the best suggestion.
  await page.getByLabel('Add item to history', { exact: true }).fill('fargo');
  await page.getByRole('list', { name: 'Suggestions' }).getByRole('button').first().waitFor();
  await page.getByLabel('Add item to history', { exact: true }).press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history').split(',').length === 3);
  // A preset replaces the history.
  await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Sci-Fi fan' });
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history').split(',').length === 6);
  assert.deepEqual(errors, []);
  await context.close();
});

test('hold out last item ranks the held-out answer', async () => {
  const { page, errors, context } = await open('?backend=cpu&holdout=1');
  await waitForRecs(page);
  const answer = page.getByText(/Held-out answer: .* ranks \d+ of \d+/);
  await answer.waitFor();
  const held = await historyItems(page).last().locator('.title').textContent();
  assert.match(await answer.textContent(), new RegExp(held.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a hostile URL renders the page with a notice, injects nothing, and raises no page errors', async () => {
  const markup = '<img src=x onerror="window.__pwned=1">';
  const q = `?history=abc,99999,1,${encodeURIComponent(markup)},2&guidance=NaN&steps=1000&seeds=-3&eta=2&start=0&seed=x&mask=maybe`
    + `&backend=${encodeURIComponent('<script>window.__pwned=1</script>')}&${encodeURIComponent(markup)}=1&dataset=ml-100k`;
  const { page, errors, context } = await open(q);
  await waitForRecs(page);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  for (const expected of ['unknown item ids', 'guidance', 'steps', 'seeds', 'eta', 'start', 'seed', 'mask', 'unknown backend', 'unknown field']) {
    assert.ok(text.includes(expected), `notice mentions ${expected}: ${text}`);
  }
  assert.ok(text.includes('<img'), 'markup is shown as text');
  assert.equal(await page.locator('img').count(), 0, 'no element was injected');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await historyItems(page).count(), 2, 'the valid items 1 and 2 are kept');
  // The page rewrote the URL to the clamped, valid state.
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('steps'), '50');
  assert.equal(url.searchParams.get('start'), '0.05', 'start 0 is raised to the smallest start strength');
  assert.equal(url.searchParams.get('history'), '1,2');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a request with several seeds is split over two CPU workers and shows the list one worker shows', async () => {
  const { page, errors, context } = await open('?history=1,50,181,100&backend=cpu&guidance=1.5&steps=20&seeds=8&eta=0.3&seed=3');
  const status = page.getByRole('status');
  // The first request runs in the main worker alone; the next one starts the second worker (allowed
  // here even where the browser reports one core).
  const alone = await waitForRecs(page);
  assert.doesNotMatch(await status.textContent(), /split over/);
  await page.evaluate(() => window.playgroundTestHooks.setCpuWorkers(2));
  const seed = page.getByLabel('Seed', { exact: true });
  let list = alone;
  for (let n = 4; !/seeds split over 2 CPU workers/.test(await status.textContent()); n++) {
    assert.ok(n < 60, 'the second worker never took part');
    await seed.fill(String(n));
    await seed.press('Enter');
    list = await waitForChange(page, list);
  }
  // The same request again, now split: the same list, scores included.
  await seed.fill('3');
  await seed.press('Enter');
  const split = await waitForChange(page, list);
  assert.match(await status.textContent(), /seeds split over 2 CPU workers/);
  assert.deepEqual(split, alone);
  // One worker again on request (the benchmark's comparison).
  await page.evaluate(() => window.playgroundTestHooks.setCpuWorkers(1));
  await seed.fill('4');
  await seed.press('Enter');
  await waitForChange(page, split);
  assert.doesNotMatch(await status.textContent(), /split over/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('CPU and WebGPU give the same recommendations', async () => {
  const query = '?history=1,50,181,100&guidance=2&steps=10&seeds=2&eta=0&seed=7';
  const cpu = await open(query + '&backend=cpu');
  const cpuList = await waitForRecs(cpu.page);
  const gpu = await open(query + '&backend=webgpu');
  await gpu.page.getByRole('status').filter({ hasText: 'backend: WebGPU' }).waitFor({ timeout: 180_000 });
  const gpuList = await waitForRecs(gpu.page);
  const titles = (list) => list.map((t) => t.replace(/[\d.]+%.*$/, '').trim());
  assert.deepEqual(titles(gpuList), titles(cpuList));
  assert.match(await gpu.page.getByRole('status').textContent(), /WebGPU: ready/);
  assert.deepEqual(cpu.errors, []);
  assert.deepEqual(gpu.errors, []);
  await cpu.context.close();
  await gpu.context.close();
});

test('Auto times one generation on each backend, shows both numbers and keeps the faster', async () => {
  const { page, errors, context } = await open('?backend=auto');
  await waitForRecs(page);
  const status = page.getByRole('status');
  await status.filter({ hasText: /Auto: CPU [\d.]+ ms vs WebGPU [\d.]+ ms/ }).waitFor({ timeout: 240_000 });
  const text = await status.textContent();
  const [, cpu, gpu] = /Auto: CPU ([\d.]+) ms vs WebGPU ([\d.]+) ms/.exec(text);
  const expected = Number(gpu) < Number(cpu) ? 'WebGPU' : 'CPU';
  await status.filter({ hasText: `backend: ${expected} (Auto` }).waitFor({ timeout: 60_000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('without a WebGPU adapter, choosing WebGPU falls back to the CPU with a notice', async () => {
  const plain = await launchBrowser({ webgpu: false });
  try {
    const page = await plain.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + '/?backend=webgpu');
    await waitForRecs(page);
    const alert = page.getByRole('alert').filter({ hasText: 'WebGPU is not available' });
    await alert.waitFor({ timeout: 60_000 });
    assert.match(await page.getByRole('status').textContent(), /backend: CPU/);
    assert.equal(new URL(page.url()).searchParams.get('backend'), 'webgpu', "the user's choice is kept");
    assert.deepEqual(errors, []);
  } finally {
    await plain.close();
  }
});

test('an empty history asks for items instead of failing', async () => {
  const { page, errors, context } = await open('?backend=cpu&history=');
  await page.getByText('Add items to the history to get recommendations.').waitFor({ timeout: 60_000 });
  assert.equal(await recs(page).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a missing bundle gives a clear error screen, not a blank page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/models/ml-100k/manifest.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(base + '/');
  const alert = page.getByRole('alert').filter({ hasText: 'could not be loaded' });
  await alert.waitFor({ timeout: 60_000 });
  assert.match(await alert.textContent(), /Could not load the model bundle.*404/);
  await context.close();
});

test('a worker whose wasm cannot be downloaded gives an error screen at once, not an endless loading screen', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/inference-worker_bg.wasm', (route) => route.abort('connectionreset'));
  const started = Date.now();
  await page.goto(base + '/');
  const alert = page.getByRole('alert').filter({ hasText: 'The model cannot run' });
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.textContent(), /inference worker could not start/);
  assert.ok(Date.now() - started < 30_000, 'well before the 120 s start limit');
  assert.equal(await page.getByRole('list', { name: 'Recommendations' }).count(), 0);
  await context.close();
});

test('corrupt or tampered weights are refused with a clear error screen', async () => {
  for (const tamper of [
    () => Buffer.from('not a burn record'),
    // One flipped bit in the real file: still a loadable record, but not the one the manifest names.
    (real) => { const b = Buffer.from(real); b[b.length - 7] ^= 1; return b; },
  ]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route('**/models/ml-100k/weights.bpk*', async (route) => {
      const real = await (await route.fetch()).body();
      await route.fulfill({ status: 200, body: tamper(real) });
    });
    await page.goto(base + '/');
    const alert = page.getByRole('alert').filter({ hasText: 'could not be loaded' });
    await alert.waitFor({ timeout: 60_000 });
    assert.match(await alert.textContent(), /weights.bpk: the file does not match the manifest/);
    assert.equal(await page.getByRole('list', { name: 'Recommendations' }).count(), 0, 'nothing is recommended from refused weights');
    await context.close();
  }
});

test('without a clipboard (plain HTTP), Copy link shows the link to copy by hand, and it reproduces the page', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/?backend=cpu&steps=2&seed=5');
  let list = await waitForRecs(page);
  await page.getByLabel('Guidance scale', { exact: true }).fill('3');
  list = await waitForChange(page, list);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const shown = page.getByText(/^Copy this link: /);
  await shown.waitFor({ timeout: 10_000 });
  const link = (await shown.textContent()).replace(/^Copy this link: /, '');
  const params = new URL(link).searchParams;
  assert.equal(params.get('guidance'), '3');
  assert.equal(params.get('seed'), '5');
  const fresh = await open(link.slice(base.length + 1));
  assert.deepEqual(await waitForRecs(fresh.page), list);
  await fresh.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a burst of slider input at Seeds 8 / Steps 50 ends on the list a fresh load of the final URL shows, with few address-bar writes, one map replay loop and no long task on the main thread', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__writes = [];
    const original = History.prototype.replaceState;
    History.prototype.replaceState = function (...args) { window.__writes.push(performance.now()); return original.apply(this, args); };
    // Main-thread tasks over 50 ms (the model runs in the worker, so dragging must not stall).
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // The page's animation-frame callbacks waiting at once (the map's replay must be one loop, not
    // one per result).
    window.__framesWaiting = 0;
    window.__mostFramesWaiting = 0;
    const requestFrame = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) => {
      window.__mostFramesWaiting = Math.max(window.__mostFramesWaiting, ++window.__framesWaiting);
      return requestFrame((t) => { window.__framesWaiting--; callback(t); });
    };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/?backend=cpu&seeds=8&steps=50&guidance=0');
  await waitForRecs(page);
  const before = await page.evaluate(() => window.__writes.length);
  const burstStart = await page.evaluate(() => performance.now());
  const slider = page.getByLabel('Guidance scale', { exact: true });
  const values = [];
  for (let g = 0.5; g <= 8; g += 0.5) values.push(String(g));
  for (const v of values) await slider.fill(v);
  // Polled on a timer: the default polling runs in the page's own animation frames, which are counted below.
  await page.waitForFunction(() => new URL(location.href).searchParams.get('guidance') === '8', null, { polling: 50 });
  // Let the last request land, then read the list.
  await page.waitForTimeout(1500);
  const final = await recs(page).allTextContents();
  const times = (await page.evaluate(() => window.__writes)).slice(before);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  console.log(`${values.length} slider changes → ${times.length} address-bar writes, gaps ${gaps.map((g) => g.toFixed(0)).join(' ')} ms`);
  // Coalesced: never two writes closer than the 250 ms gap (a little slack for timer rounding).
  assert.ok(times.length >= 1 && gaps.every((g) => g >= 240), `writes too close: ${gaps}`);
  const longTasks = (await page.evaluate(() => window.__longTasks)).filter((t) => t.start >= burstStart);
  console.log(`main-thread long tasks during the burst: ${longTasks.map((t) => t.ms.toFixed(0)).join(' ') || 'none'}`);
  // Zero is what the idle machine usually shows; one task of 77 ms was seen once (a garbage
  // collection or first paint can land in the burst), so one short one is tolerated. The model on the
  // UI thread gave 7 tasks of 50–127 ms here (BENCHMARKS.md).
  assert.ok(longTasks.length <= 1 && longTasks.every((t) => t.ms < 100), `main-thread tasks over 50 ms while the slider moves: ${JSON.stringify(longTasks)}`);
  const framesWaiting = await page.evaluate(() => window.__mostFramesWaiting);
  console.log(`most animation-frame callbacks waiting at once: ${framesWaiting}`);
  assert.ok(framesWaiting <= 1, `${framesWaiting} animation-frame callbacks waited at once: the map replays more than once per frame`);
  const fresh = await open(new URL(page.url()).search);
  assert.deepEqual(await waitForRecs(fresh.page), final);
  await fresh.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a panic inside the module replaces the page with an error screen; its link and its reload restore the newest state', async () => {
  const { page, errors, context } = await open('?backend=cpu&steps=2&history=1,2,3');
  await waitForRecs(page);
  // Two changes and the panic at once: the second change is still waiting for its address-bar gap.
  await page.getByLabel('Guidance scale', { exact: true }).fill('1.5');
  await page.getByLabel('Guidance scale', { exact: true }).fill('2.5');
  await page.evaluate(() => { try { window.wasmBindings.simulate_panic('<b>forced</b> for the test'); } catch { /* the trap */ } });
  const screen = page.getByRole('alert').filter({ hasText: 'Something went wrong inside the page' });
  await screen.waitFor({ timeout: 10_000 });
  // The message is shown as text, never as markup.
  assert.match(await screen.textContent(), /<b>forced<\/b> for the test/);
  assert.equal(await screen.locator('b').count(), 0);
  const link = new URL(await screen.getByRole('link').getAttribute('href'));
  assert.equal(link.searchParams.get('guidance'), '2.5');
  assert.equal(link.searchParams.get('history'), '1,2,3');
  assert.equal(page.url(), link.href, 'the address bar holds the newest state too');
  // Reload gives a working page on that state, the same one a fresh load of the link gives.
  await screen.getByRole('button', { name: 'Reload the page' }).click();
  const reloaded = await waitForRecs(page);
  assert.equal(await page.getByLabel('Guidance scale', { exact: true }).inputValue(), '2.5');
  const fresh = await open(link.search);
  assert.deepEqual(await waitForRecs(fresh.page), reloaded);
  await fresh.context.close();
  // The only page error is the trap that ends the module after the panic.
  assert.ok(errors.length <= 1 && errors.every((e) => /unreachable/i.test(e)), errors.join('\n'));
  await context.close();
});

test('a WebGPU failure after start drops WebGPU for the CPU, says so, and the list stays current', async () => {
  const { page, errors, context } = await open('?backend=webgpu&steps=2&history=1,2,3');
  await page.getByRole('status').filter({ hasText: 'backend: WebGPU' }).waitFor({ timeout: 180_000 });
  await waitForRecs(page);
  // The next WebGPU generation fails as a lost device would; then a slider moves.
  await page.evaluate(() => window.playgroundTestHooks.simulateWebGpuLoss());
  await page.getByLabel('Guidance scale', { exact: true }).fill('2.5');
  await page.getByRole('alert').filter({ hasText: 'WebGPU failed' }).waitFor({ timeout: 60_000 });
  await page.getByRole('status').filter({ hasText: 'backend: CPU' }).waitFor({ timeout: 60_000 });
  const list = await waitForRecs(page);
  // The list on screen is the CPU's answer for the state on screen.
  const cpu = await open('?backend=cpu&steps=2&history=1,2,3&guidance=2.5');
  assert.deepEqual((await waitForRecs(cpu.page)).map(title), list.map(title));
  assert.deepEqual(errors, []);
  await cpu.context.close();
  await context.close();
});

test('a panic inside the inference worker replaces the page with an error screen that names it', async () => {
  const { page, context } = await open('?backend=cpu&steps=2&history=1,2,3');
  await waitForRecs(page);
  await page.evaluate(() => window.playgroundTestHooks.simulateWorkerPanic('forced in the worker for the test'));
  const screen = page.getByRole('alert').filter({ hasText: 'Something went wrong inside the page' });
  await screen.waitFor({ timeout: 10_000 });
  assert.match(await screen.textContent(), /inference worker stopped.*forced in the worker for the test/s);
  assert.equal(new URL(await screen.getByRole('link').getAttribute('href')).searchParams.get('history'), '1,2,3');
  await context.close();
});
