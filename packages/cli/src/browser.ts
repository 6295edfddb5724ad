/**
 * Running code in a headless Chromium from Node, for backends that exist only in a browser
 * (webgl; gpu.js on WebGL). `runInBrowser` serves a page module through a vite dev server (with
 * the `@recurrent/source` condition, so workspace packages run from source), launches the
 * system Chromium with playwright-core, calls one exported function of the module with a
 * JSON-serialisable argument, and returns its (JSON-serialisable) result.
 *
 * Chromium is the system's: `--browser PATH`, else $CHROMIUM_PATH, else the first of the usual
 * names on PATH. Nothing is downloaded. No Chromium is a UsageError (exit 2) saying how to get one.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, type FixtureReport } from '@recurrent/core/testing';
import { UsageError } from './args.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/**
 * The Chromium executable to use: `explicit` (a --browser flag), else $CHROMIUM_PATH, else the
 * first of chromium, chromium-browser, google-chrome... on $PATH. Throws a UsageError naming
 * what it tried when there is none.
 */
export function findChromium(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>, command?: string): string {
  const given = explicit ?? env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') {
    if (isExecutable(given)) return given;
    const from = explicit !== undefined ? '--browser' : 'CHROMIUM_PATH';
    throw new UsageError(`${from} is '${given}', which is not an executable file. Pass the path of a Chromium or Chrome binary.`, command);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of ['/usr/bin', ...dirs])
    for (const name of CANDIDATES) {
      const p = join(dir, name);
      if (isExecutable(p)) return p;
    }
  throw new UsageError(
    `no Chromium found (looked for ${CANDIDATES.join(', ')} in /usr/bin and on PATH). ` +
      'Install one (Debian: apt-get install chromium), or pass --browser PATH or set CHROMIUM_PATH.',
    command,
  );
}

export interface RunInBrowserOptions<A> {
  /** Absolute path of the page module (TypeScript or JavaScript). */
  module: string;
  /** The exported async function to call (default `run`). */
  exportName?: string;
  /** Its argument; must survive structured cloning (plain JSON data). */
  arg: A;
  /** The Chromium executable (see findChromium). */
  browserPath: string;
  /**
   * Packages to pre-bundle before the page loads (CommonJS ones and large ESM ones). vite would
   * otherwise find them on first import and reload the page halfway through.
   */
  prebundle?: string[];
  /** Where bare imports and `prebundle` resolve from (default: the module's directory). */
  root?: string;
  /** Extra Chromium flags after CHROMIUM_ARGS (from @recurrent/core/testing). */
  args?: string[];
  /** Unlock WebGPU (CHROMIUM_WEBGPU_ARGS). */
  webgpu?: boolean;
  /** The machine's GPU instead of SwiftShader (`--gpu`): see chromiumArgs in @recurrent/core/testing. */
  gpu?: boolean;
  /** Gives up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Each console.error / console.warn line of the page (default: dropped). */
  onConsole?: (type: string, text: string) => void;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>recurrent</title><body></body>';

/** Calls `module`'s `exportName(arg)` in a fresh headless Chromium page and returns its result. */
export async function runInBrowser<A, R>(opts: RunInBrowserOptions<A>): Promise<R> {
  const [{ createServer, defaultClientConditions, searchForWorkspaceRoot }, { chromium }] = await Promise.all([import('vite'), import('playwright-core')]);
  const root = opts.root ?? dirname(opts.module);
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'silent',
    clearScreen: false,
    resolve: { conditions: ['@recurrent/source', ...defaultClientConditions] },
    optimizeDeps: { include: opts.prebundle ?? [], noDiscovery: true },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null, fs: { allow: [searchForWorkspaceRoot(root), root] } },
    plugins: [
      {
        name: 'recurrent-page',
        configureServer(s) {
          s.middlewares.use((req, res, next) => {
            if (req.url !== '/' && req.url !== '/index.html') return next();
            res.setHeader('content-type', 'text/html');
            res.end(PAGE);
          });
        },
      },
    ],
  });
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite server has no TCP address');
    const origin = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: opts.browserPath, headless: true, args: [...chromiumArgs({ webgpu: opts.webgpu, gpu: opts.gpu ?? false }), ...(opts.args ?? [])] });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') opts.onConsole?.(msg.type(), msg.text());
    });
    await page.goto(origin + '/');
    const url = `${origin}/@fs${opts.module.startsWith('/') ? '' : '/'}${opts.module.replaceAll('\\', '/')}`;
    const call = page.evaluate(
      async ({ url, name, arg }) => {
        const mod = await import(/* @vite-ignore */ url);
        if (typeof mod[name] !== 'function') throw new Error(`${url} has no exported function ${name}`);
        return mod[name](arg);
      },
      { url, name: opts.exportName ?? 'run', arg: opts.arg as unknown },
    );
    const timeoutMs = opts.timeoutMs ?? 600_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the browser page did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      return (await Promise.race([call, timeout])) as R;
    } catch (e) {
      const extra = pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : '';
      throw new Error(`${(e as Error).message.split('\n')[0]}${extra}`);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.close().catch(() => {});
  }
}

/** A backend that runs in a browser page: its page module exports `run(ConformancePageArgs)`. */
export interface BrowserBackend {
  /** Absolute path of the page module. */
  module: string;
  /** Packages the page imports that vite must pre-bundle (see RunInBrowserOptions.prebundle). */
  prebundle: string[];
  /** The page needs WebGPU (Chromium starts with CHROMIUM_WEBGPU_ARGS). */
  webgpu?: boolean;
}

/** What `recurrent conformance` sends to a page module, and what it gets back. */
export interface ConformancePageArgs {
  fixtureText: string;
  source: string;
  fused: boolean;
  filter?: string;
}
export interface ConformancePageResult {
  report: FixtureReport;
  /** How many fused kernels the backend has (0: the report is of the primitives alone). */
  fusedKernels: number;
  /** The browser and its WebGL renderer or WebGPU adapter, for the record. */
  environment: string;
}

/** The absolute path of a page module in ./browser/ (`.ts` from source, `.js` when built). */
export const pageModule = (name: string): string =>
  fileURLToPath(new URL(`./browser/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Runs a fixture file on a browser backend in headless Chromium. */
export async function runFixtureInBrowser(
  backend: BrowserBackend,
  opts: {
    fixtureFile: string;
    fused: boolean;
    filter?: string;
    browser?: string;
    /** The machine's GPU instead of SwiftShader. */
    gpu?: boolean;
    env: Readonly<Record<string, string | undefined>>;
    onConsole?: (type: string, text: string) => void;
  },
): Promise<ConformancePageResult> {
  const browserPath = findChromium(opts.browser, opts.env, 'conformance');
  const fixtureText = await readFile(opts.fixtureFile, 'utf8');
  return runInBrowser<ConformancePageArgs, ConformancePageResult>({
    module: backend.module,
    prebundle: backend.prebundle,
    browserPath,
    webgpu: backend.webgpu,
    gpu: opts.gpu,
    arg: { fixtureText, source: opts.fixtureFile, fused: opts.fused, ...(opts.filter === undefined ? {} : { filter: opts.filter }) },
    onConsole: opts.onConsole,
  });
}
