// End-to-end, in headless Chromium: every shipped published-design bundle (public/models/ml-100k-NAME,
// `cargo xtask bundle --design NAME`) passes the loader's manifest, size and hash checks, opens with its own
// sampler (all T steps, ancestral, DreamRec guided) and lists ten items from the CPU worker.
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
    const items = page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem');
    await items.nth(9).waitFor({ timeout: 180_000 });
    await page.getByRole('status').filter({ hasText: /last request/ }).waitFor({ timeout: 180_000 });
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
