// End-to-end, in headless Chromium: every shipped published-design bundle (public/models/ml-100k-NAME,
// `cargo xtask bundle --design NAME`) passes the loader's manifest, size and hash checks, opens with its own
// sampler (all T steps, ancestral, DreamRec guided) and lists ten items from the CPU worker; the Model picker
// switches between them, and compare mode shows a second design's list beside the shown one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, settledRecs } from './support.mjs';

let server, browser, base;
before(async () => {
  ({ server, base } = await startServer());
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh context's page that records page errors and the path of every request. */
async function recordingPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  return { context, page, errors, requests };
}

// [folder suffix, model card, guided]
const DESIGNS = [
  ['diffurec', /DiffuRec preset.*DiffuRec \(TOIS 2023\) preset: the noisy target/, false],
  ['dreamrec', /DreamRec preset.*DreamRec \(NeurIPS 2023\) preset/, true],
  ['diffurecsys', /DiffuRecSys preset.*cross-attention approximator/, false],
];

for (const [design, title, guided] of DESIGNS) {
  test(`the ${design} bundle loads, samples with its own sampler and lists ten items`, async () => {
    const manifest = JSON.parse(fs.readFileSync(`public/models/ml-100k-${design}/manifest.json`, 'utf8'));
    assert.equal(manifest.model.design, design);
    const { context, page, errors } = await recordingPage();
    await page.goto(`${base}/?dataset=ml-100k-${design}&backend=cpu&history=50,100,181`);
    await settledDesignRecs(page);
    assert.match(await page.locator('.model-card').textContent(), title);
    // The page opens at the design's sampler, which the bundle records.
    assert.equal(Number(await page.locator('#steps').inputValue()), manifest.sampling.steps);
    assert.equal(manifest.sampling.steps, manifest.model.diffusion_steps);
    assert.equal(Number(await page.locator('#guidance').inputValue()), manifest.sampling.guidance);
    // A design with no condition to drop says so beside the guidance slider.
    assert.equal(await page.locator('#unguided-note').isVisible(), !guided);
    assert.equal(await page.getByRole('alert').count(), 0, 'a shipped bundle gets no notice');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

/** Paths fetched that are neither the page's code, the `shown` bundle's files, nor another model's
 *  grid (its manifest and sweep.json, for the trade-off charts). */
const outsideShown = (requests, shown) =>
  requests.filter((p) => !/\.(js|wasm|css)$/.test(p) && p !== '/')
    .filter((p) => !p.startsWith(`/models/${shown}/`))
    .filter((p) => !/^\/models\/ml-100k(-[a-z]+)?\/(manifest|sweep)\.json$/.test(p));

/** The settled list of a design's page, once its first request has finished (a design that re-runs its
 *  encoder at every step answers its first, cold request slowly). */
async function settledDesignRecs(page) {
  await page.getByRole('status').filter({ hasText: /last request/ }).waitFor({ timeout: 180_000 });
  return settledRecs(page, 180_000);
}

test('the Model picker switches design, keeping history and controls; its link reproduces the list', async () => {
  const { context, page, errors } = await recordingPage();
  await page.goto(`${base}/?backend=cpu&history=50,100,181&steps=2&seed=3&guidance=0.5`);
  const ours = await settledDesignRecs(page);
  assert.match(await page.locator('.model-card').textContent(), /^Model: MovieLens-100K · /);
  assert.equal(await page.getByLabel('Model', { exact: true }).inputValue(), 'ours');
  await Promise.all([page.waitForURL(/model=dreamrec/), page.getByLabel('Model', { exact: true }).selectOption('dreamrec')]);
  const dream = await settledDesignRecs(page);
  assert.match(await page.locator('.model-card').textContent(), /DreamRec preset/);
  assert.equal(await page.getByLabel('Model', { exact: true }).inputValue(), 'dreamrec');
  const url = new URL(page.url());
  for (const [key, value] of [['dataset', 'ml-100k'], ['model', 'dreamrec'], ['history', '50,100,181'], ['steps', '2'], ['seed', '3'], ['guidance', '0.5']]) {
    assert.equal(url.searchParams.get(key), value, key);
  }
  assert.notDeepEqual(dream, ours, 'another model, another list');
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.deepEqual(errors, []);
  // The link, opened in a fresh browser context, shows the same list.
  const link = page.url();
  await context.close();
  const fresh = await browser.newContext();
  const again = await fresh.newPage();
  await again.goto(link);
  assert.deepEqual(await settledDesignRecs(again), dream);
  await fresh.close();
});

test('a hostile model value gets the default model, a notice, and nothing fetched outside models/', async () => {
  for (const [value, notice] of [
    ['ddpm', /unknown model "ddpm" \(expected ours, diffurec, dreamrec or diffurecsys\); showing ml-100k/],
    ['../../etc/passwd', /unknown model "..\/..\/etc\/passwd"/],
    ['<img src=x onerror=alert(1)>', /unknown model "<img src=x onerror=alert\(1\)>"/],
  ]) {
    const { context, page, requests } = await recordingPage();
    await page.goto(`${base}/?backend=cpu&model=${encodeURIComponent(value)}`);
    await settledDesignRecs(page);
    assert.match(await page.locator('.model-card').textContent(), /^Model: MovieLens-100K · /);
    assert.match(await page.getByRole('alert').textContent(), notice);
    assert.equal(await page.locator('img').count(), 0, 'markup stays text');
    assert.deepEqual(outsideShown(requests, 'ml-100k'), [], 'only the default model and the other models\' grids');
    assert.equal(new URL(page.url()).searchParams.get('model'), null, 'the repaired link drops it');
    await context.close();
  }
});

/** Compare mode's list: its titles once two reads 150 ms apart agree. */
const compared = (page) => page.getByRole('list', { name: "Compared model's top 10" }).getByRole('listitem');
async function settledCompared(page) {
  await compared(page).nth(9).waitFor({ timeout: 180_000 });
  let list = await compared(page).locator('.title').allTextContents();
  for (;;) {
    await page.waitForTimeout(150);
    const again = await compared(page).locator('.title').allTextContents();
    if (again.join('\n') === list.join('\n')) return list;
    list = again;
  }
}
const shownTitles = (page) => page.getByRole('list', { name: 'Recommendations' }).locator('.title').allTextContents();

test('compare mode: a second design answers the same history and controls beside the shown list; its link reproduces both', async () => {
  const { context, page, errors, requests } = await recordingPage();
  await page.goto(`${base}/?backend=cpu&history=50,100,181&steps=2&seed=3`);
  const before = await settledDesignRecs(page);
  await page.getByLabel('Compare with').selectOption('diffurec');
  await page.waitForURL(/compare=diffurec/);
  const theirs = await settledCompared(page);
  assert.equal(theirs.length, 10);
  // The shown list is the same request's: compare mode adds a list, it changes nothing else.
  assert.deepEqual(await settledRecs(page), before);
  const ours = await shownTitles(page);
  const shared = theirs.filter((t) => ours.includes(t)).length;
  const summary = await page.locator('.compared-summary').textContent();
  assert.match(summary, new RegExp(`^${shared} of 10 also in the shown list · [0-9.]+ ms \\([0-9.]+ ms per step; 2 steps × 1 seed, each re-running the encoder\\) on the CPU$`));
  assert.equal(await compared(page).locator('xpath=self::li[contains(@class, "shared")]').count(), shared);
  assert.match(await page.locator('.compared-card').textContent(), /DiffuRec preset.*cost: the 2-block encoder re-runs at every step/);
  // Its trajectory on the map (one point per step) and its frontier on both trade-off charts.
  await page.locator('canvas[data-compared-points="2"]').waitFor();
  assert.equal(await page.locator('polyline.model-frontier[data-name^="DiffuRec (compared)"]').count(), 2);
  assert.equal(await page.locator('polyline.model-frontier[data-name^="DiffuRec:"]').count(), 0, 'drawn once, in teal');
  // Only the compared model's files were fetched besides the shown one's (its manifest twice: its grid
  // for the charts, then the bundle), and of the others only their grids.
  assert.deepEqual(outsideShown(requests, 'ml-100k').filter((p) => !p.startsWith('/models/ml-100k-diffurec/')), []);
  assert.equal(requests.filter((p) => p === '/models/ml-100k-diffurec/weights.bpk').length, 1);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.deepEqual(errors, []);
  // The link, opened in a fresh context, reproduces both lists.
  const link = page.url();
  const fresh = await browser.newContext();
  const again = await fresh.newPage();
  await again.goto(link);
  assert.deepEqual(await settledDesignRecs(again), before);
  assert.deepEqual(await settledCompared(again), theirs);
  assert.equal(await again.getByLabel('Compare with').inputValue(), 'diffurec');
  await fresh.close();
  // With hold-out on, both say where the held-out answer ranks.
  await page.getByLabel('Hold out last item').check();
  await page.locator('.compared-summary').filter({ hasText: /the held-out answer ranks [0-9]+ here/ }).waitFor({ timeout: 60_000 });
  await page.locator('p.answer').filter({ hasText: /Held-out answer: .* ranks [0-9]+ of 1349/ }).waitFor();
  await page.getByLabel('Hold out last item').uncheck();
  await page.locator('.compared-summary').filter({ hasNotText: /held-out/ }).waitFor({ timeout: 60_000 });
  // Choosing the compared model in the Model picker swaps the two.
  await Promise.all([page.waitForURL(/model=diffurec/), page.getByLabel('Model', { exact: true }).selectOption('diffurec')]);
  assert.equal(new URL(page.url()).searchParams.get('compare'), 'ours');
  assert.deepEqual(await settledCompared(page), ours);
  await settledDesignRecs(page);
  assert.deepEqual(await shownTitles(page), theirs);
  // Off: one list again, and the link says nothing of compare mode.
  await page.getByLabel('Compare with').selectOption('');
  await page.waitForURL((u) => !u.searchParams.has('compare'));
  assert.equal(await page.getByRole('region', { name: 'Compared model' }).count(), 0);
  await context.close();
});

test('a hostile compare value turns compare mode off with a notice and fetches no other bundle', async () => {
  for (const value of ['../../etc/passwd', '<img src=x onerror=alert(1)>', 'ml-100k']) {
    const { context, page, requests } = await recordingPage();
    await page.goto(`${base}/?backend=cpu&compare=${encodeURIComponent(value)}`);
    await settledDesignRecs(page);
    assert.match(await page.getByRole('alert').textContent(), /compare: unknown model ".*" \(expected ours, diffurec, dreamrec or diffurecsys\); compare mode is off/);
    assert.equal(await page.locator('img').count(), 0, 'markup stays text');
    assert.equal(await page.getByRole('region', { name: 'Compared model' }).count(), 0);
    assert.deepEqual(outsideShown(requests, 'ml-100k'), [], 'only the shown model and the other models\' grids');
    assert.equal(new URL(page.url()).searchParams.get('compare'), null, 'the repaired link drops it');
    await context.close();
  }
});

test("the trade-off charts draw every other model's frontier, reading only their grids", async () => {
  const { context, page, errors, requests } = await recordingPage();
  // DreamRec's grid arrives damaged: its line is missing and the legend says why; the rest is drawn.
  await page.route('**/models/ml-100k-dreamrec/sweep.json*', (route) => route.fulfill({ status: 200, body: '{"broken": true}' }));
  await page.goto(`${base}/?backend=cpu&history=50,100,181`);
  await settledDesignRecs(page);
  const legend = page.getByRole('list', { name: 'Other models' }).getByRole('listitem');
  await legend.nth(2).waitFor({ timeout: 60_000 });
  const items = await legend.allTextContents();
  assert.deepEqual(items.slice(0, 1).concat(items.slice(2)), ['DiffuRec', 'DiffuRecSys']);
  assert.match(items[1], /^DreamRec: its grid could not be used \(models\/ml-100k-dreamrec\/sweep\.json: the file does not match the manifest/);
  for (const name of ['Accuracy against coverage', 'Accuracy against novelty']) {
    const lines = page.getByRole('img', { name }).locator('polyline.model-frontier');
    assert.deepEqual(await lines.evaluateAll((ls) => ls.map((l) => l.dataset.name)),
      ["DiffuRec: its grid's frontier", "DiffuRecSys: its grid's frontier"]);
  }
  // Each vertex of DiffuRec's line is a cell of its own grid (sweep.json): its steps and its HR@10.
  const grid = JSON.parse(fs.readFileSync('public/models/ml-100k-diffurec/sweep.json', 'utf8'));
  const cells = grid.steps.map((steps, si) => `S = ${steps}: HR@10 ${grid.metrics[0][si]['HR@10'].toFixed(2)}`);
  const vertices = await page.getByRole('img', { name: 'Accuracy against coverage' }).locator('rect.baseline-point title')
    .evaluateAll((ts) => ts.map((t) => t.textContent).filter((t) => t.startsWith("DiffuRec: its grid's frontier")));
  assert.ok(vertices.length >= 1 && vertices.length <= cells.length, `${vertices}`);
  for (const v of vertices) assert.ok(cells.some((c) => v.includes(`, ${c},`)), `${v} is not a cell of ${cells}`);
  // Of the other models, only their manifests and grids; never weights, catalogues or maps.
  const others = requests.filter((p) => /^\/models\/ml-100k-/.test(p));
  assert.deepEqual([...new Set(others)].sort(), ['diffurec', 'diffurecsys', 'dreamrec']
    .flatMap((d) => [`/models/ml-100k-${d}/manifest.json`, `/models/ml-100k-${d}/sweep.json`]));
  assert.equal(await page.getByRole('alert').count(), 0, 'a damaged sibling grid is not the shown model\'s problem');
  assert.deepEqual(errors, []);
  await context.close();
});
