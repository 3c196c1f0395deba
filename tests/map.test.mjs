// End-to-end: the embedding map and the insight panel in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser } from './support.mjs';

let server, browser, base;

before(async () => {
  ({ server, base } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(query) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/' + query);
  await page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem').nth(9).waitFor({ timeout: 120_000 });
  return { page, errors, context };
}

const map = (page) => page.getByRole('img', { name: 'Embedding map' });

/** Canvas pixels that are not white. */
async function inkedPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('canvas[aria-label="Embedding map"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
    return n;
  });
}

test('the map renders every item and the trajectory has one point per step', async () => {
  const { page, errors, context } = await open('?backend=cpu&steps=12&seeds=3&guidance=2');
  await map(page).waitFor();
  assert.ok((await inkedPixels(page)) > 3000, 'the canvas is not blank');
  await page.waitForFunction(() => document.querySelector('canvas[aria-label="Embedding map"]').dataset.trajectoryPoints === '12');
  await page.getByText(/^Trajectory: 12 steps/).click();
  assert.equal(await page.getByRole('table', { name: 'Trajectory' }).locator('tbody tr').count(), 12);
  await page.getByLabel('Steps', { exact: true }).fill('5');
  await page.waitForFunction(() => document.querySelector('canvas[aria-label="Embedding map"]').dataset.trajectoryPoints === '5');
  // The PCA view redraws the same items elsewhere.
  const before = await page.evaluate(() => document.querySelector('canvas[aria-label="Embedding map"]').toDataURL());
  await page.getByLabel('PCA view (exact positions)', { exact: true }).check();
  await page.waitForTimeout(900);
  const after = await page.evaluate(() => document.querySelector('canvas[aria-label="Embedding map"]').toDataURL());
  assert.notEqual(after, before);
  // The insight panel marks the current setting in the validation grid and reports seed diversity.
  const current = page.getByRole('table', { name: 'Validation grid' }).locator('td.current');
  assert.equal(await current.count(), 1);
  assert.match(await current.textContent(), /◉/);
  // The trade-off charts draw every grid cell (7 guidance × 7 steps) and ring the current one.
  const ring = (name) => page.getByRole('img', { name }).locator('circle.current');
  for (const name of ['Accuracy against coverage', 'Accuracy against novelty']) {
    assert.equal(await page.getByRole('img', { name }).locator('circle.cell').count(), 49);
    // Beside the dots, the same encoder diversified without diffusion: one dashed line per baseline.
    const lines = page.getByRole('img', { name }).locator('polyline.baseline');
    assert.deepEqual(await lines.evaluateAll((ls) => ls.map((l) => l.dataset.name)), ['softmax sampling', 'MMR', 'popularity penalty']);
    assert.deepEqual(await ring(name).evaluate((c) => [c.dataset.guidance, c.dataset.steps]), ['2', '5']);
  }
  assert.deepEqual(await page.getByRole('list', { name: 'Baselines' }).getByRole('listitem').allTextContents(),
    ['softmax sampling (over τ)', 'MMR (over λ)', 'popularity penalty (over γ)']);
  await page.getByLabel('Guidance scale', { exact: true }).fill('8');
  await page.waitForFunction(() => document.querySelector('svg[aria-label="Accuracy against coverage"] circle.current').dataset.guidance === '8');
  assert.match(await ring('Accuracy against novelty').locator('title').textContent(), /^guidance 8, steps 5: HR@10 \d+\.\d\d, novelty \d+$/);
  // The shipped model learned from ML-100K that users do not re-watch a film: a negative repeat offset.
  assert.match(await page.getByRole('region', { name: 'Insight' }).textContent(), /top-10 lists share \d+% of items.*Learned repeat offset b = -\d+\.\d\d: the model learned that users rarely return.*Effective rank of the item table: [\d.]+ of 64/s);
  // Beside it, one sentence says what the diffusion costs and buys, read from the same grid and baselines.
  assert.match(await page.locator('.trade-off-verdict').textContent(),
    /^On validation .*NDCG@10 \d+\.\d\d against \d+\.\d\d.* What guidance and steps buy is less popular items: .*softmax sampling.*popularity penalty\.$/);
  // The model card gives the test numbers unmasked and with the history masked.
  assert.match(await page.locator('.model-card').textContent(), /test HR@10 \d+\.\d\d, NDCG@10 \d+\.\d\d \(history masked: \d+\.\d\d, \d+\.\d\d\)/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('hovering an item shows its title; clicking it adds it to the history and the URL', async () => {
  const { page, errors, context } = await open('?backend=cpu&history=1,2');
  const canvas = map(page);
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  // Find an item by sweeping the mouse over the canvas until a tooltip appears.
  const tooltip = page.getByRole('tooltip');
  let found = null;
  for (let y = 20; y < box.height - 20 && !found; y += 9) {
    for (let x = 20; x < box.width - 20 && !found; x += 9) {
      await page.mouse.move(box.x + x, box.y + y);
      if (await tooltip.count()) found = [x, y];
    }
  }
  assert.ok(found, 'some item is under the mouse somewhere');
  const title = (await tooltip.locator('strong').textContent()).trim();
  assert.ok(title.length > 0 && !/^item \d+$/.test(title), title);
  await page.mouse.down();
  await page.mouse.up();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('history').split(',').length === 3);
  const titles = await page.getByRole('list', { name: 'History' }).locator('.title').allTextContents();
  assert.equal(titles[2], title);
  // Wheel zoom and drag pan move the view without errors.
  await page.mouse.wheel(0, -400);
  await page.mouse.down();
  await page.mouse.move(box.x + found[0] + 60, box.y + found[1] + 40, { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(400); // address-bar writes are coalesced
  assert.equal(new URL(page.url()).searchParams.get('history').split(',').length, 3, 'a drag is not a click');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a two-finger pinch zooms the map', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 }, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/?backend=cpu');
  await page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem').nth(9).waitFor({ timeout: 120_000 });
  const canvas = map(page);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.waitForTimeout(1000); // the trajectory replay has ended: the canvas is still
  const still = await page.evaluate(() => document.querySelector('canvas[aria-label="Embedding map"]').toDataURL());
  await page.waitForTimeout(300);
  const before = await page.evaluate(() => document.querySelector('canvas[aria-label="Embedding map"]').toDataURL());
  assert.equal(before, still, 'nothing else redraws the map');
  const cdp = await context.newCDPSession(page);
  const fingers = (d) => [{ x: cx - d, y: cy, id: 1 }, { x: cx + d, y: cy, id: 2 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(20) });
  for (const d of [40, 60, 80, 100]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.waitForTimeout(300);
  const after = await page.evaluate(() => document.querySelector('canvas[aria-label="Embedding map"]').toDataURL());
  assert.notEqual(after, before, 'the view changed');
  assert.deepEqual(errors, []);
  await context.close();
});

// Written under target/ so a test run never rewrites committed files; `cargo xtask screenshots`
// sets SCREENSHOT_DIR=docs to refresh the README's pictures.
const screenshotDir = process.env.SCREENSHOT_DIR || 'target/screenshots';

test('screenshots of two settings for the README', async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  for (const [name, query] of [
    ['playground-default', '?backend=cpu&holdout=1'],
    ['playground-guided-50-steps', '?backend=cpu&holdout=1&guidance=4&steps=50&seeds=8&eta=0.5&seed=3'],
  ]) {
    const { page, context } = await open(query);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
    assert.ok(fs.statSync(`${screenshotDir}/${name}.png`).size > 20_000);
    await context.close();
  }
});
