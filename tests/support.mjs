// Shared by the e2e tests and the page benchmark: a static server for dist/, Debian's Chromium, and the
// page's list of recommendations.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

/** Serves `dist` at `prefix` (e.g. '/a/b/demo', as a project page of a static host); anything outside it is a 404. */
export async function startServer(dist = path.resolve('dist'), prefix = '') {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(prefix + '/')) { res.writeHead(404).end('not found'); return; }
    let file = path.join(dist, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

/** Headless Chromium; `webgpu: false` leaves out the flag without which it offers no adapter. */
export function launchBrowser({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    ignoreDefaultArgs: ['--headless'],
    args: ['--headless=new', ...(webgpu ? ['--enable-unsafe-webgpu'] : []), '--no-sandbox', '--disable-gpu-sandbox', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** The page's recommendation rows. */
export const recs = (page) => page.getByRole('list', { name: 'Recommendations' }).getByRole('listitem');

/** The list once two reads 150 ms apart agree (keyed rows update in place). */
export async function settledRecs(page, timeout = 120_000) {
  await recs(page).nth(9).waitFor({ timeout });
  let list = await recs(page).allTextContents();
  for (;;) {
    await page.waitForTimeout(150);
    const again = await recs(page).allTextContents();
    if (again.join('\n') === list.join('\n')) return list;
    list = again;
  }
}
