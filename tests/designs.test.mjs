// End-to-end, in headless Chromium: every shipped published-design bundle (public/models/ml-100k-NAME,
// `cargo xtask bundle --design NAME`) passes the loader's manifest, size and hash checks, opens with its own
// sampler (all T steps, ancestral, DreamRec guided) and lists ten items from the CPU worker.
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
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
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

/** The settled list of a design's page, once its first request has finished (a design that re-runs its
 *  encoder at every step answers its first, cold request slowly). */
async function settledDesignRecs(page) {
  await page.getByRole('status').filter({ hasText: /last request/ }).waitFor({ timeout: 180_000 });
  return settledRecs(page, 180_000);
}

test('the Model picker switches design, keeping history and controls; its link reproduces the list', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
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
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${base}/?backend=cpu&model=${encodeURIComponent(value)}`);
    await settledDesignRecs(page);
    assert.match(await page.locator('.model-card').textContent(), /^Model: MovieLens-100K · /);
    assert.match(await page.getByRole('alert').textContent(), notice);
    assert.equal(await page.locator('img').count(), 0, 'markup stays text');
    const fetched = requests.filter((p) => !/\.(js|wasm|css)$/.test(p) && p !== '/');
    assert.ok(fetched.every((p) => p.startsWith('/models/ml-100k/')), `only the default's files: ${fetched}`);
    assert.equal(new URL(page.url()).searchParams.get('model'), null, 'the repaired link drops it');
    await context.close();
  }
});
