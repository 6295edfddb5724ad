import { afterEach, expect, it, vi } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_WEBGPU_ARGS, chromiumArgs, GPU_ENV } from '../src/testing/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

it('chromiumArgs: the shared flags, plus the WebGPU ones with webgpu', () => {
  vi.stubEnv(GPU_ENV, '');
  expect(chromiumArgs()).toEqual([...CHROMIUM_ARGS]);
  expect(chromiumArgs({ webgpu: true })).toEqual([...CHROMIUM_ARGS, ...CHROMIUM_WEBGPU_ARGS]);
  expect(CHROMIUM_WEBGPU_ARGS).toEqual(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
});

it('gpu (or RECURRENT_GPU=1) leaves out every flag that forces SwiftShader, and keeps WebGPU unlocked', () => {
  vi.stubEnv(GPU_ENV, '');
  const gpu = chromiumArgs({ webgpu: true, gpu: true });
  expect(gpu.filter((a) => a.includes('swiftshader'))).toEqual([]);
  expect(gpu).toContain('--enable-unsafe-webgpu');
  expect(gpu).toContain('--no-sandbox');
  vi.stubEnv(GPU_ENV, '1');
  expect(chromiumArgs({ webgpu: true })).toEqual(gpu);
  expect(chromiumArgs({ webgpu: true, gpu: false })).toEqual([...CHROMIUM_ARGS, ...CHROMIUM_WEBGPU_ARGS]);
});
