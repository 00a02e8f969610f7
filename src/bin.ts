#!/usr/bin/env node
/**
 * The `zbridge` executable: runs the command of src/cli.ts. The servers (`serve`, `sandbox`) say "starting" at
 * once: loading the modules takes seconds (about 3 s from dist/ on a busy 2-core machine, 8 s or more through
 * tsx, which compiles the sources on every start), and a silent terminal looks hung.
 */
const command = process.argv[2];
if (command === 'serve' || command === 'sandbox') process.stderr.write(`zbridge ${command}: starting…\n`);
const { main } = await import('./cli.js');

await main(process.argv);
