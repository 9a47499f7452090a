// The download budget: sizes are deterministic, so this is a test (the figures that move with
// the machine are in `make bench`). The page is loaded from the release build in dist/ and every
// file it fetches until its controls are up is counted at its gzip -9 size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, startDownload, ROOT } from './harness.mjs';

const env = useBrowser();

test('what the page downloads at start stays within the budget kept in tests/budget.json', async () => {
  const budget = JSON.parse(await readFile(join(ROOT, 'tests', 'budget.json'), 'utf8')).start_gzip_bytes;
  const { total, files } = await startDownload(env.browser, env.url);
  const kinds = files.map(([f]) => f.split('.').pop());
  assert.ok(kinds.includes('wasm') && kinds.includes('js'), `the page fetched its app: ${files.map(([f]) => f)}`);
  const listed = files.map(([f, gz]) => `${f}: ${gz} B`).join(', ');
  assert.ok(total <= budget, `${total} B gzip at start, over the budget of ${budget} B (${listed})`);
});
