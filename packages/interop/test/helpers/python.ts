/**
 * The Python with PyTorch the tests compare against: $RECURRENT_PYTHON, else the first of
 * /usr/bin/python3 (Debian's python3-torch) and python3 on PATH that can import torch.
 * Absent locally: the tests that need it are skipped with a printed note. Absent with CI set:
 * this throws, so those tests fail rather than skip.
 */
import { execFileSync, spawn } from 'node:child_process';

let found: string | null | undefined;

/** Whether `py` has torch installed (found without importing it: a loaded machine can take a minute to import torch). */
function canImportTorch(py: string): boolean {
  try {
    execFileSync(py, ['-c', "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)"], { stdio: 'ignore', timeout: 120_000 });
    return true;
  } catch {
    return false;
  }
}

export function torchPython(): string | undefined {
  if (found === undefined) {
    const candidates = process.env.RECURRENT_PYTHON ? [process.env.RECURRENT_PYTHON] : ['/usr/bin/python3', 'python3'];
    found = candidates.find(canImportTorch) ?? null;
    if (!found) {
      const msg = `PyTorch not found (tried ${candidates.join(', ')}); install Debian's python3-torch or set RECURRENT_PYTHON.`;
      if (process.env.CI) throw new Error(`${msg} CI must run the PyTorch tests.`);
      console.warn(`SKIPPED: the PyTorch tests. ${msg}`);
    }
  }
  return found ?? undefined;
}

/** Runs python with args; resolves to stdout, rejects with stderr on a non-zero exit. */
export function runPython(py: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(py, args, { env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${py} ${args.join(' ')} exited ${code}:\n${err}\n${out}`))));
  });
}
