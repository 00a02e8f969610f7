#!/usr/bin/env node
/** The `zbridge` executable: runs the command of src/cli.ts. */
import { main } from './cli.js';

await main(process.argv);
