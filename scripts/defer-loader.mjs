// The chunks' loader (`__wasm_split.js`, which wasm-split-cli writes) is fetched the first time a
// chunk is wanted, not with the page (scripts/bin/wasm-bindgen runs this on the JS glue and the
// loader).
//
//   node scripts/defer-loader.mjs GLUE.js LOADER.js LOADER_URL
//
// wasm-bindgen's glue imports the loader statically (`import * as import1 from
// "./__wasm_split.js"`, one line per split point's import), so the page downloaded it before
// the app started (1 KB gzip), though a page in English and KRaft mode loads no chunk at all.
// Here those lines become one object whose functions, when the module first calls one, add the
// loader to the page as a module script from LOADER_URL (relative to the glue), and then call
// the loader's function of that name; the loader, once run, hands its functions over in a
// global. (A script element rather than `import()`: trunk's JS minifier cannot parse `import()`
// and would leave the whole glue unminified.) If the loader cannot be fetched, the module's
// callback is told that the load failed, as the loader itself tells it when a chunk cannot be
// fetched, so the page says so and goes on; the next load tries again, at an address of its own
// (`?retry=1`, …: Chromium remembers a module script that failed to fetch for the page's life).
// A page that needs a chunk before it mounts fetches the loader with the page instead (a
// `modulepreload` link that index.html adds), so it does not wait for it after the app starts.
// A glue without such a line, a glue that imports the loader another way, or a loader that
// exports nothing stops the build.
import { readFileSync, writeFileSync } from 'node:fs';
import { args, failing } from './cli.mjs';

const [gluePath, loaderPath, loaderUrl] = args('defer-loader.mjs', ['GLUE.js', 'LOADER.js', 'LOADER_URL']);
const fail = failing('defer-loader.mjs');

const glue = readFileSync(gluePath, 'utf8');
const line = /^import \* as (import\d+) from ["']\.\/__wasm_split\.js["'];?[ \t]*$/gm;
const names = [...glue.matchAll(line)].map((m) => m[1]);
if (names.length === 0) fail(`${gluePath} does not import ./__wasm_split.js as expected`);
if (/(\bfrom|\bimport)\s*\(?\s*["']\.\/__wasm_split\.js/.test(glue.replace(line, ''))) {
  fail(`${gluePath} imports ./__wasm_split.js in a form this script does not know`);
}
const loader = readFileSync(loaderPath, 'utf8');
const exported = [...loader.matchAll(/^export const (\w+) = /gm)].map((m) => m[1]);
if (exported.length === 0) fail(`${loaderPath} exports no function`);

// The callbacks are the module's, called through its function table, which `initSync` hands
// back once the module has started (the glue sets that global; scripts/bin/wasm-bindgen).
const deferred = `let __wasm_split_loading, __wasm_split_failed = 0;
function __wasm_split_loader() {
if (!__wasm_split_loading) __wasm_split_loading = new Promise(function (ok, no) {
const script = document.createElement("script");
script.type = "module";
script.src = new URL(${JSON.stringify(loaderUrl)}, import.meta.url).href + (__wasm_split_failed ? "?retry=" + __wasm_split_failed : "");
script.onload = function () { globalThis.__quorumlabSplit ? ok(globalThis.__quorumlabSplit) : no(new Error("the chunks' loader did not start")); };
script.onerror = function () { script.remove(); __wasm_split_loading = undefined; __wasm_split_failed++; no(new Error("could not fetch " + script.src)); };
document.head.appendChild(script);
});
return __wasm_split_loading;
}
const __wasm_split_deferred = new Proxy({}, { get: function (_, name) {
return function (index, data) {
__wasm_split_loader().then(function (loader) { return loader[name](index, data); }, function (error) {
console.error(error);
globalThis.__quorumlabInitSync(undefined, undefined).__indirect_function_table.get(index)(data, false);
});
};
} });
${names.map((n) => `const ${n} = __wasm_split_deferred;`).join('\n')}`;
let first = true;
const out = glue.replace(line, () => {
  if (!first) return '';
  first = false;
  return deferred;
});
writeFileSync(gluePath, out);
writeFileSync(loaderPath, `${loader.trimEnd()}\nglobalThis.__quorumlabSplit = { ${exported.join(', ')} };\n`);
