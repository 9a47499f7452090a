// Gives the functions the wasm imports from wasm-bindgen's JS glue short names, in the module
// and in the glue alike (scripts/bin/wasm-bindgen runs it on the main module).
//
//   node scripts/short-imports.mjs GLUE.js MODULE_bg.wasm IMPORT_MODULE
//
// wasm-bindgen names each import after the JS it calls and a hash
// (`__wbg_createElement_8c9931a732ee2fea`): about 180 names, 8 KB in the glue and again in the
// module's import section, which gzip cannot fold away (the hashes): 5.6 KB gzip of the start
// download. The glue defines each one once, as a key of the object it hands the module as
// IMPORT_MODULE's imports; here each becomes `_0`, `_1`, … in both files. Any name the glue
// does not define exactly once as such a key stops the build (a wasm-bindgen whose glue looks
// otherwise must be looked at, not half renamed).
import { readFileSync, writeFileSync } from 'node:fs';
import { args, failing } from './cli.mjs';

const [gluePath, wasmPath, importModule] = args('short-imports.mjs', ['GLUE.js', 'MODULE_bg.wasm', 'IMPORT_MODULE']);
const fail = failing('short-imports.mjs');

/** Unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length || shift > 63) fail('the module ends inside a number');
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function encodeLeb(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/** The end of an import's description (its kind byte at `at`). */
function skipDescription(bytes, at) {
  const kind = bytes[at++];
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = leb(bytes, p);
    if (flags & 1) [, p] = leb(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: // function: its type
      return leb(bytes, at)[1];
    case 1: // table: element type, limits
      return limits(at + 1);
    case 2: // memory: limits
      return limits(at);
    case 3: // global: value type, mutability
      return at + 2;
    case 4: // tag: attribute, type
      return leb(bytes, at + 1)[1];
    default:
      return fail(`import of unknown kind ${kind}`);
  }
}

const utf8 = new TextDecoder();
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');

if (wasm.length < 8 || wasm.readUInt32BE(0) !== 0x0061736d || wasm.readUInt32LE(4) !== 1) fail(`${wasmPath} is not a wasm module`);
const out = [wasm.subarray(0, 8)];
let renamed = 0;
let at = 8;
while (at < wasm.length) {
  const start = at;
  const id = wasm[at++];
  let size;
  [size, at] = leb(wasm, at);
  const end = at + size;
  if (id !== 2) {
    out.push(wasm.subarray(start, end));
    at = end;
    continue;
  }
  // The import section: each import's module, name and description.
  let count;
  [count, at] = leb(wasm, at);
  const body = [...encodeLeb(count)];
  for (let i = 0; i < count; i++) {
    let length;
    [length, at] = leb(wasm, at);
    const moduleBytes = wasm.subarray(at, at + length);
    at += length;
    [length, at] = leb(wasm, at);
    let name = wasm.subarray(at, at + length);
    at += length;
    const descriptionEnd = skipDescription(wasm, at);
    if (utf8.decode(moduleBytes) === importModule) {
      const old = utf8.decode(name);
      const short = `_${renamed.toString(36)}`;
      // The glue's definition: `name: function(` (or `name: (`), a key of the imports' object.
      const key = new RegExp(`(^|[^\\w$])${old.replace(/\$/g, '\\$')}(?=\\s*:)`, 'g');
      const uses = glue.match(key)?.length ?? 0;
      const anywhere = glue.split(old).length - 1;
      if (uses !== 1 || anywhere !== 1) fail(`${gluePath} names ${old} ${anywhere} times, ${uses} as a key; expected once`);
      glue = glue.replace(key, `$1${short}`);
      name = new TextEncoder().encode(short);
      renamed++;
    }
    body.push(...encodeLeb(moduleBytes.length), ...moduleBytes, ...encodeLeb(name.length), ...name);
    body.push(...wasm.subarray(at, descriptionEnd));
    at = descriptionEnd;
  }
  if (at !== end) fail('the import section does not end where its size says');
  out.push(Uint8Array.from([2, ...encodeLeb(body.length), ...body]));
}
if (renamed === 0) fail(`${wasmPath} imports nothing from ${importModule}`);
writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(gluePath, glue);
