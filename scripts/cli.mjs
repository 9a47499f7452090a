// What the build's node scripts (short-imports.mjs, defer-loader.mjs) share: their arguments,
// and how they stop.

/** The script's `names.length` arguments, or its usage and exit status 2 if one is missing. */
export function args(script, names) {
  const given = process.argv.slice(2);
  if (given.length < names.length) {
    console.error(`usage: node scripts/${script} ${names.join(' ')}`);
    process.exit(2);
  }
  return given;
}

/** A function that stops the script with `why` and exit status 1 (the build stops with it). */
export const failing = (script) => (why) => {
  console.error(`scripts/${script}: ${why}`);
  process.exit(1);
};
