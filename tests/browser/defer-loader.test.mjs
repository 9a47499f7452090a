// scripts/defer-loader.mjs, on a glue and a loader made here: the glue's static imports of the
// chunks' loader become one deferred object, the loader hands its functions over in a global,
// and a glue or loader in another form stops it with the files untouched. (In the built page,
// deploy.test.mjs checks that the loader is fetched only when a chunk is wanted, and what a page
// says when it cannot be.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const SCRIPT = join(ROOT, 'scripts', 'defer-loader.mjs');

// As wasm-bindgen writes them: one import line per split point's import, no semicolon, and the
// loader's module name as a key of the imports the module gets.
const GLUE = `let wasm;
import * as import1 from "./__wasm_split.js"
import * as import2 from "./__wasm_split.js"
function __wbg_get_imports() {
return { "./m_bg.js": {}, "./__wasm_split.js": import1, "./__wasm_split.js": import2 };
}
`;
const LOADER = `import { initSync } from "./m.js";
export const __wasm_split_load_ko = wrapAsyncCb(makeLoad(() => {}, []));
export const __wasm_split_load_zk = wrapAsyncCb(makeLoad(() => {}, []));
`;

async function files(glue, loader = LOADER) {
  const dir = await mkdtemp(join(tmpdir(), 'defer-loader-'));
  const [js, split] = [join(dir, 'm.js'), join(dir, '__wasm_split.js')];
  await writeFile(js, glue);
  await writeFile(split, loader);
  return { js, split };
}

const run = (js, split) =>
  execFileSync(process.execPath, [SCRIPT, js, split, './snippets/split/__wasm_split.js'], { stdio: 'pipe' });

test('the glue imports the loader only when the module first asks for a chunk', async () => {
  const { js, split } = await files(GLUE);
  run(js, split);
  const glue = await readFile(js, 'utf8');
  assert.doesNotMatch(glue, /^import /m, 'no static import is left');
  assert.doesNotMatch(glue, /\bimport\(/, 'nor an import() that trunk\'s minifier cannot parse');
  assert.match(glue, /^const import1 = __wasm_split_deferred;$/m);
  assert.match(glue, /^const import2 = __wasm_split_deferred;$/m);
  assert.match(glue, /new URL\("\.\/snippets\/split\/__wasm_split\.js", import\.meta\.url\)/);
  // The keys the module's imports are found under stay.
  assert.match(glue, /"\.\/__wasm_split\.js": import1, "\.\/__wasm_split\.js": import2/);
  // Still a module a browser can parse.
  assert.doesNotThrow(() => new Function(glue.replace(/import\.meta\.url/g, '""')));
  const loader = await readFile(split, 'utf8');
  assert.ok(loader.startsWith(LOADER.trimEnd()), 'the loader keeps what it had');
  assert.match(loader, /globalThis\.__quorumlabSplit = \{ __wasm_split_load_ko, __wasm_split_load_zk \};\n$/);
});

test('a glue or a loader in a form the script does not know stops it and changes nothing', async () => {
  for (const [glue, loader, why] of [
    [GLUE.replace(/^import .*\n/gm, ''), LOADER, /does not import/],
    [`${GLUE}import { x } from "./__wasm_split.js";\n`, LOADER, /in a form/],
    [GLUE, 'export function f() {}\n', /exports no function/],
  ]) {
    const { js, split } = await files(glue, loader);
    assert.throws(() => run(js, split), (e) => e.status === 1 && why.test(e.stderr));
    assert.equal(await readFile(js, 'utf8'), glue);
    assert.equal(await readFile(split, 'utf8'), loader);
  }
});
