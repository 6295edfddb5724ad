/** Reading a safetensors file from disk (Node): the header length is checked before the file is read. */
import { SafetensorsError } from './errors.js';

/** The file's bytes, after checking its 8-byte header length against the file size and the limit. */
export async function readSafetensorsFile(file: string, maxHeaderBytes = 16 * 1024 * 1024): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 8) throw new SafetensorsError(file, 'truncated', `the file has ${size} bytes; it needs at least the 8-byte header length.`);
    const head = new Uint8Array(8);
    await fh.read(head, 0, 8, 0);
    const n = new DataView(head.buffer).getBigUint64(0, true);
    if (n > BigInt(maxHeaderBytes))
      throw new SafetensorsError(file, 'header-size', `the header claims ${n} bytes; at most ${maxHeaderBytes} are accepted.`);
    if (8n + n > BigInt(size)) throw new SafetensorsError(file, 'truncated', `the header claims ${n} bytes but the file has ${size}; it is truncated.`);
    const bytes = new Uint8Array(size);
    await fh.read(bytes, 0, size, 0);
    return bytes;
  } finally {
    await fh.close();
  }
}
