/** Runs the CLI in-process (train, predict, generate) with captured output. */
import { type Io, runCli } from '../src/cli.js';
import { generateCommand } from '../src/commands/generate.js';
import { predictCommand } from '../src/commands/predict.js';
import { trainCommand } from '../src/commands/train.js';

export async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), progress: () => {}, env: {} };
  const code = await runCli(argv, { commands: [trainCommand, predictCommand, generateCommand], version: '0.0.0', io });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
