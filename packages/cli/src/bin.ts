#!/usr/bin/env node
/**
 * The `recurrent` executable: the command table and the process wiring. Everything else is in
 * cli.ts (dispatch, errors, exit codes) and commands/ (one file per command).
 */
import { readFileSync } from 'node:fs';
import { nodeIo, runCli, type Command } from './cli.js';
import { conformanceCommand } from './commands/conformance.js';
import { convertCommand } from './commands/convert.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { importCommand } from './commands/import.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';

/** Every command, one file each in ./commands, built with defineCommand (cli.ts). */
const commands: readonly Command[] = [
  conformanceCommand,
  demoCommand,
  trainCommand,
  predictCommand,
  generateCommand,
  convertCommand,
  exportCommand,
  importCommand,
];

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// `recurrent ... | head` closes stdout early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), { commands, version, io: nodeIo() });
