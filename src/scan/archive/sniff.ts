// Container detection from the first bytes of a file. The published file name may lie (the real
// corpus holds wheels named .tar.gz and xz tars named .tar.gz), so the name is never consulted.
import { open } from 'node:fs/promises';

export type Container = 'tar.gz' | 'tar.xz' | 'tar.bz2' | 'tar' | 'zip';

/** How many leading bytes `sniffContainer` needs (the ustar magic sits at offset 257). */
export const SNIFF_BYTES = 512;

export function sniffContainer(head: Uint8Array): Container | undefined {
  const b = head;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'tar.gz';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) {
    return 'tar.xz';
  }
  // 'BZh' followed by the block size digit 1-9.
  if (b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39) return 'tar.bz2';
  // PK\x03\x04 = first local header; PK\x05\x06 = end of central directory of an empty zip.
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6))) {
    return 'zip';
  }
  // POSIX ustar and GNU tar both carry "ustar" at offset 257.
  if (b.length >= 262 && Buffer.from(b.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** Read the first bytes of a file and sniff them; undefined for anything that is not an archive. */
export async function sniffFile(path: string): Promise<Container | undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffContainer(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
