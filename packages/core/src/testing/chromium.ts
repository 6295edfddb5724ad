/**
 * The flags for launching headless Chromium to run the browser backends: WebGL2 through
 * SwiftShader (a CPU implementation, so no GPU is needed, e.g. in a container or CI), and no
 * network or background work besides the page under test. Used by the browser tests (vitest
 * configs, the playground's end-to-end tests) and at run time by `recurrent conformance
 * --backend webgl`, so the tests and the CLI see the same browser.
 *
 * - `--no-sandbox`: Chromium's sandbox needs user namespaces or a setuid helper, which
 *   containers (and root) usually lack.
 * - `--use-angle=swiftshader`: ANGLE renders with SwiftShader, so WebGL2 exists without a GPU.
 * - `--enable-unsafe-swiftshader`: recent Chromium no longer falls back to SwiftShader for
 *   WebGL unless told to.
 * - `--ignore-gpu-blocklist`: the blocklist would otherwise disable WebGL on the software renderer.
 * - `--disable-background-networking`, `--disable-component-update`, `--disable-sync`,
 *   `--disable-quic`: no requests of Chromium's own (updates, sync, QUIC probing), so runs
 *   work offline and only talk to the local server.
 * - `--no-first-run`: skips the first-run setup (welcome page, default-browser check).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * vitest browser-mode settings for a package's `chromium` test project: headless Chromium
 * (Debian's `/usr/bin/chromium`, or `CHROMIUM_PATH`) with CHROMIUM_ARGS, through the playwright
 * provider factory the config passes in (`playwright` of `@vitest/browser-playwright`), so
 * every package launches the same browser the same way.
 */
export function chromiumBrowserMode<P>(playwright: (options: { launchOptions: { executablePath: string; args: string[] } }) => P) {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    // A loaded machine can take minutes to start Chromium and serve the first modules.
    connectTimeout: 300_000,
    provider: playwright({ launchOptions: { executablePath: env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS] } }),
    instances: [{ browser: 'chromium' as const }],
  };
}
