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
 * Added to CHROMIUM_ARGS for the WebGPU backend: `--enable-unsafe-webgpu` exposes WebGPU where
 * Chromium does not ship it by default (Linux), and `--use-webgpu-adapter=swiftshader` gives it
 * SwiftShader's Vulkan, a CPU implementation, so WebGPU exists without a GPU. WebGPU needs a
 * page served over http(s), not `about:blank`.
 */
export const CHROMIUM_WEBGPU_ARGS: readonly string[] = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** The flags that force SwiftShader; `chromiumArgs({ gpu: true })` leaves them out. */
const SOFTWARE_ONLY = new Set(['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader']);

/** The environment variable that switches the browser tests and benchmarks to the machine's GPU. */
export const GPU_ENV = 'RECURRENT_GPU';

/**
 * The Chromium flags of a browser run: CHROMIUM_ARGS, plus CHROMIUM_WEBGPU_ARGS with `webgpu`.
 * `gpu` (default: `RECURRENT_GPU=1` in the environment, the CLI's `--gpu`) drops the flags that
 * force SwiftShader, so WebGL and WebGPU run on the machine's GPU (WebGPU stays unlocked).
 */
export function chromiumArgs(opts: { webgpu?: boolean; gpu?: boolean } = {}): string[] {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const gpu = opts.gpu ?? env?.[GPU_ENV] === '1';
  const args = [...CHROMIUM_ARGS, ...(opts.webgpu ? CHROMIUM_WEBGPU_ARGS : [])];
  return gpu ? args.filter((a) => !SOFTWARE_ONLY.has(a)) : args;
}

/**
 * vitest browser-mode settings for a package's `chromium` test project: headless Chromium
 * (Debian's `/usr/bin/chromium`, or `CHROMIUM_PATH`) with `chromiumArgs(options)` (CHROMIUM_ARGS,
 * plus the WebGPU flags with `webgpu`), through the playwright provider factory the config passes
 * in (`playwright` of `@vitest/browser-playwright`), so every package launches the same browser the same way.
 */
export function chromiumBrowserMode<P>(
  playwright: (options: { launchOptions: { executablePath: string; args: string[] } }) => P,
  options: { webgpu?: boolean; gpu?: boolean } = {},
) {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    // A loaded machine can take minutes to start Chromium and serve the first modules.
    connectTimeout: 300_000,
    provider: playwright({ launchOptions: { executablePath: env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs(options) } }),
    instances: [{ browser: 'chromium' as const }],
  };
}
