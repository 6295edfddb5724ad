/** The CLI as a library: run it in-process, or build a command of your own. */
export { parseArgs, UsageError, type FlagSpec, type FlagSpecs, type Flags, type ParsedArgs } from './args.js';
export { defineCommand, nodeIo, reportError, runCli, type CliOptions, type Command, type CommandDefinition, type Io } from './cli.js';
export { conformanceCommand, createConformanceCommand, type ConformanceDeps } from './commands/conformance.js';
export { formatReport, formatReportJson } from './report.js';
