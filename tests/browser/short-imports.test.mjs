// scripts/short-imports.mjs, on a module and a glue made here: the imports from the glue's module
// get short names in both, the rest stays as it was, and a glue that does not define a name
// exactly once as a key stops it with the files untouched. (The built page runs with the
// renamed imports in every other browser test; the budget test holds what it saves.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const SCRIPT = join(ROOT, 'scripts', 'short-imports.mjs');
const bytes = (s) => [s.length, ...new TextEncoder().encode(s)];
/** Unsigned LEB128 (a section's size). */
const leb = (n) => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >> 7)]);

/** A module importing two functions from `./m_bg.js`, one from `./other.js` and a memory from
 * `./m_bg.js`, and exporting a function that calls the first import. */
function module() {
  const type = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00]; // one type: [] -> []
  const imports = [
    0x04,
    ...bytes('./m_bg.js'), ...bytes('__wbg_alert_0123456789abcdef'), 0x00, 0x00,
    ...bytes('./other.js'), ...bytes('keep_me'), 0x00, 0x00,
    ...bytes('./m_bg.js'), ...bytes('__wbg_log_fedcba9876543210'), 0x00, 0x00,
    ...bytes('./m_bg.js'), ...bytes('__wbindgen_memory_1111'), 0x02, 0x01, 0x01, 0x02,
  ];
  const importSection = [0x02, ...leb(imports.length), ...imports];
  const functions = [0x03, 0x02, 0x01, 0x00];
  const exports = [0x07, 0x07, 0x01, ...bytes('run'), 0x00, 0x03];
  const code = [0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...importSection, ...functions, ...exports, ...code]);
}

const GLUE = `const import0 = {
__proto__: null,
__wbg_alert_0123456789abcdef: function() {
calls.push('alert');
},
__wbg_log_fedcba9876543210: function() {
},
__wbindgen_memory_1111: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
};
`;

async function files(glue) {
  const dir = await mkdtemp(join(tmpdir(), 'short-imports-'));
  const [js, wasm] = [join(dir, 'm.js'), join(dir, 'm_bg.wasm')];
  await writeFile(js, glue);
  await writeFile(wasm, module());
  return { js, wasm };
}

const run = (js, wasm) => execFileSync(process.execPath, [SCRIPT, js, wasm, './m_bg.js'], { stdio: 'pipe' });

test('the imports from the glue get short names in the module and the glue alike', async () => {
  const { js, wasm } = await files(GLUE);
  run(js, wasm);
  const renamed = new WebAssembly.Module(await readFile(wasm));
  assert.deepEqual(
    WebAssembly.Module.imports(renamed).map(({ module, name, kind }) => [module, name, kind]),
    [
      ['./m_bg.js', '_0', 'function'],
      ['./other.js', 'keep_me', 'function'],
      ['./m_bg.js', '_1', 'function'],
      ['./m_bg.js', '_2', 'memory'],
    ],
  );
  const glue = await readFile(js, 'utf8');
  assert.doesNotMatch(glue, /__wbg_|__wbindgen_/);
  // The renamed glue still instantiates the renamed module, and the module calls the right one.
  const calls = [];
  const import0 = new Function('calls', `${glue}; return import0;`)(calls);
  const instance = new WebAssembly.Instance(renamed, { './m_bg.js': import0, './other.js': { keep_me() {} } });
  instance.exports.run();
  assert.deepEqual(calls, ['alert']);
});

test('a glue that names an import other than once as a key stops the script and changes nothing', async () => {
  for (const glue of [
    GLUE.replace('__wbg_log_fedcba9876543210: function', 'other: function'),
    `${GLUE}import0.__wbg_alert_0123456789abcdef();\n`,
  ]) {
    const { js, wasm } = await files(glue);
    assert.throws(() => run(js, wasm), (e) => e.status === 1 && /expected once/.test(e.stderr));
    assert.equal(await readFile(js, 'utf8'), glue);
    assert.deepEqual(new Uint8Array(await readFile(wasm)), module());
  }
});
