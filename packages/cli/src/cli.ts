/**
 * The dispatcher: finds the command, runs it, and turns every error into one line on stderr and
 * an exit code. Exit codes: 0 success; 1 a check failed; 2 a usage or input problem (bad flags,
 * a missing or malformed fixture, any RecurrentError); 3 an unexpected error (a bug: the stack
 * is printed only with --debug or RECURRENT_DEBUG=1).
 *
 * Kept apart from bin.ts (which only wires the command table to the process) so tests can run
 * the CLI in-process with their own streams.
 */
import { RecurrentError } from '@recurrent/core';
import { formatFlagHelp, parseArgs, suggest, UsageError, type FlagSpecs, type ParsedArgs } from './args.js';

/** Where a command writes. Each call writes `text` and a newline. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Rewrites one status line in place (a progress bar) on a terminal; a no-op elsewhere. */
  progress?(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export const nodeIo = (): Io => ({
  out: (text) => void process.stdout.write(text + '\n'),
  err: (text) => void process.stderr.write(text + '\n'),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  },
  env: process.env,
});

export interface Command {
  name: string;
  /** One line for `recurrent --help`. */
  summary: string;
  /** The command's full help text. */
  help(): string;
  /** Runs with the words after the command name; resolves to the exit code. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

export interface CommandDefinition<S extends FlagSpecs> {
  name: string;
  summary: string;
  /** Usage line(s) after `Usage: `, e.g. `recurrent conformance --fixtures FILE [--json]`. */
  usage: string;
  /** More help text after the flags (examples, exit codes). */
  details?: string;
  flags: S;
  /** Whether the command takes positional arguments (default: none allowed). */
  positionals?: boolean;
  run(args: ParsedArgs<S>, io: Io): Promise<number>;
}

/** A command from its flag declaration: parsing, `--help` and positional checks are done here. */
export function defineCommand<const S extends FlagSpecs>(def: CommandDefinition<S>): Command {
  const help = () =>
    [`recurrent ${def.name}: ${def.summary}`, '', `Usage: ${def.usage}`, '', 'Flags:', formatFlagHelp(def.flags), ...(def.details ? ['', def.details] : [])].join(
      '\n',
    );
  return {
    name: def.name,
    summary: def.summary,
    help,
    async run(argv, io) {
      const args = parseArgs(def.name, argv, def.flags);
      if (args.flags.help) {
        io.out(help());
        return 0;
      }
      if (!def.positionals && args.positionals.length > 0)
        throw new UsageError(`'${def.name}' takes no arguments, got '${args.positionals[0]}'. Flags start with --.`, def.name);
      return def.run(args, io);
    },
  };
}

export interface CliOptions {
  commands: readonly Command[];
  version: string;
  io: Io;
}

function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 'help'.length);
  return [
    'recurrent: recurrent neural networks on pluggable backends',
    '',
    'Usage: recurrent <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show this help, or a command's help: recurrent help <command>`,
    '',
    'Flags:',
    '  -h, --help     show help (also after a command: recurrent <command> --help)',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 success, 1 a check failed, 2 usage or input error, 3 unexpected error.',
  ].join('\n');
}

/** Runs the CLI on `argv` (the words after `recurrent`) and resolves to the exit code. */
export async function runCli(argv: readonly string[], opts: CliOptions): Promise<number> {
  const { commands, io } = opts;
  const debug = argv.includes('--debug') || io.env.RECURRENT_DEBUG === '1';
  const names = commands.map((c) => c.name);
  const find = (name: string): Command => {
    const cmd = commands.find((c) => c.name === name);
    if (cmd) return cmd;
    const hint = suggest(name, [...names, 'help']);
    throw new UsageError(`unknown command '${name}'.${hint ? ` Did you mean '${hint}'?` : ''} Commands: ${[...names, 'help'].join(', ')}.`);
  };
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.err(mainHelp(commands));
      return 2;
    }
    if (first === '--help' || first === '-h') {
      io.out(mainHelp(commands));
      return 0;
    }
    if (first === 'help') {
      io.out(rest[0] === undefined ? mainHelp(commands) : find(rest[0]).help());
      return 0;
    }
    if (first === '--version' || first === '-v') {
      io.out(opts.version);
      return 0;
    }
    if (first.startsWith('-'))
      throw new UsageError(`${first} is not a command or a top-level flag. Usage: recurrent <command> [flags]; commands: ${names.join(', ')}.`);
    return await find(first).run(rest, io);
  } catch (err) {
    return reportError(err, io, debug);
  }
}

/**
 * A short message on stderr (one line; usage errors add a pointer to the help), the stack only
 * with --debug; returns the exit code.
 */
export function reportError(err: unknown, io: Io, debug: boolean): number {
  const stack = () => {
    if (debug && err instanceof Error && err.stack) io.err(err.stack);
  };
  if (err instanceof UsageError) {
    io.err(`error: ${err.message}`);
    io.err(err.command ? `Run 'recurrent ${err.command} --help' for its flags.` : `Run 'recurrent --help' for the commands.`);
    return err.exitCode;
  }
  if (err instanceof RecurrentError) {
    io.err(`error: ${err.message} (${err.code})`);
    stack();
    return 2;
  }
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  io.err(`error: unexpected ${what}${debug ? '' : ' (run with --debug or RECURRENT_DEBUG=1 for the stack trace)'}`);
  stack();
  return 3;
}
