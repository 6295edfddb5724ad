/**
 * A small typed flag parser: `--flag value`, `--flag=value`, boolean flags (`--json`,
 * `--json=false`), `--` to end flags, and `-h` / `--help` everywhere. Every command's flags are
 * declared once, as data; the parsed result is typed from that declaration, and the same
 * declaration prints the help. Anything unknown is a UsageError (exit code 2) that lists the
 * valid flags.
 */
import { editDistance } from './edit-distance.js';

export type FlagType = 'string' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  /** One line for the help. */
  description: string;
  /** The value's placeholder in the help, e.g. `FILE` (string and number flags). */
  value?: string;
  /** Used when the flag is absent (string and number flags; booleans default to false). */
  default?: string | number;
  required?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'number' }
    ? S extends { default: number } | { required: true }
      ? number
      : number | undefined
    : S extends { default: string } | { required: true }
      ? string
      : string | undefined;

/** Flags every command accepts. */
export const COMMON_FLAGS = {
  help: { type: 'boolean', description: 'show this help' },
  debug: { type: 'boolean', description: 'print stack traces of errors (also RECURRENT_DEBUG=1)' },
} as const satisfies FlagSpecs;

export type Flags<S extends FlagSpecs> = { [K in keyof S]: ValueOf<S[K]> } & { help: boolean; debug: boolean };

export interface ParsedArgs<S extends FlagSpecs> {
  flags: Flags<S>;
  positionals: string[];
}

/** A mistake on the command line: exit code 2, printed as one line without a stack. */
export class UsageError extends Error {
  readonly exitCode = 2;
  /** The command whose help would help, if any (`recurrent <command> --help`). */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** The closest of `candidates` to `word`, if it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/**
 * Parses `argv` (the words after the command name) against `specs` plus COMMON_FLAGS.
 * `--help` / `-h` anywhere before `--` wins over every other problem, so a user who got the
 * flags wrong can always ask for help. Required flags are checked unless help was asked for.
 */
export function parseArgs<const S extends FlagSpecs>(command: string, argv: readonly string[], specs: S): ParsedArgs<S> {
  const all: FlagSpecs = { ...specs, ...COMMON_FLAGS };
  const names = Object.keys(all);
  const valid = () => names.map((n) => `--${n}`).join(', ');
  const fail: (message: string) => never = (message) => {
    throw new UsageError(message, command);
  };
  const flags: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(all)) flags[name] = spec.type === 'boolean' ? false : spec.default;

  const end = argv.indexOf('--');
  const flagPart = end < 0 ? argv : argv.slice(0, end);
  if (flagPart.includes('--help') || flagPart.includes('-h')) {
    flags.help = true;
    return { flags: flags as Flags<S>, positionals: [] };
  }

  const positionals: string[] = end < 0 ? [] : argv.slice(end + 1);
  const seen = new Set<string>();
  for (let i = 0; i < flagPart.length; i++) {
    const word = flagPart[i];
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.startsWith('--') ? word.slice(2, eq < 0 ? undefined : eq) : word.slice(1);
    const spec = Object.hasOwn(all, name) && word.startsWith('--') ? all[name] : undefined;
    if (!spec) {
      const hint = suggest(name, names);
      fail(`unknown flag ${word.split('=')[0]} for '${command}'.${hint ? ` Did you mean --${hint}?` : ''} Valid flags: ${valid()}.`);
    }
    seen.add(name);
    if (spec.type === 'boolean') {
      if (eq < 0) flags[name] = true;
      else {
        const v = BOOLEAN_WORDS[word.slice(eq + 1).toLowerCase()];
        if (v === undefined) fail(`--${name} is a switch: give it alone, or as --${name}=true / --${name}=false (got '${word.slice(eq + 1)}').`);
        flags[name] = v;
      }
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = word.slice(eq + 1);
    else {
      const next = flagPart[i + 1];
      // A value may start with '-' (a negative number) but not with '--' (the next flag).
      if (next === undefined || next.startsWith('--')) fail(`--${name} needs a value: --${name} ${spec.value ?? 'VALUE'}.`);
      raw = next;
      i++;
    }
    if (spec.type === 'number') {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) fail(`--${name} wants a number, got '${raw}'.`);
      flags[name] = n;
    } else {
      if (raw === '') fail(`--${name} needs a non-empty value: --${name} ${spec.value ?? 'VALUE'}.`);
      flags[name] = raw;
    }
  }
  for (const [name, spec] of Object.entries(all))
    if (spec.required && !seen.has(name)) fail(`missing --${name} ${spec.value ?? 'VALUE'} (${spec.description}).`);
  return { flags: flags as Flags<S>, positionals };
}

/** The `Flags:` block of a command's help, from the same specs the parser uses. */
export function formatFlagHelp(specs: FlagSpecs): string {
  const all: FlagSpecs = { ...specs, ...COMMON_FLAGS };
  const rows = Object.entries(all).map(([name, spec]) => {
    const left = `${name === 'help' ? '-h, ' : ''}--${name}${spec.type === 'boolean' ? '' : ` ${spec.value ?? 'VALUE'}`}`;
    const extra = spec.required ? ' (required)' : spec.default !== undefined ? ` (default: ${spec.default})` : '';
    return [left, spec.description + extra] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n');
}
