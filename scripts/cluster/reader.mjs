// A small private in-memory archive reader for the cluster experiments, used until the
// scanner's own reader (src/scan/archive) is available. Reads bytes only: nothing is written
// to disk, nothing is executed. tar.gz / plain tar / zip; .tar.xz and others are skipped.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename } from 'node:path';
import tar from 'tar-stream';
import yauzl from 'yauzl';

const MAX_MEMBER = 4 * 1024 * 1024;

function readTar(buf, want) {
  return new Promise((resolve, reject) => {
    const members = [];
    const ex = tar.extract();
    ex.on('entry', (h, stream, next) => {
      const type = h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' ? 'dir' : 'other';
      const chunks = [];
      let size = 0;
      stream.on('data', (c) => { size += c.length; if (type === 'file' && size <= MAX_MEMBER) chunks.push(c); });
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        members.push({ path: h.name, type, size, head: data.subarray(0, 64), data: type === 'file' && size <= MAX_MEMBER && want(h.name, size) ? data : undefined });
        next();
      });
      stream.resume();
    });
    ex.on('finish', () => resolve(members));
    ex.on('error', reject);
    ex.end(buf);
  });
}

function readZip(buf, want) {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const members = [];
      zip.on('entry', (e) => {
        const isDir = e.fileName.endsWith('/');
        if (isDir || e.uncompressedSize > MAX_MEMBER || !want(e.fileName, e.uncompressedSize)) {
          members.push({ path: e.fileName, type: isDir ? 'dir' : 'file', size: e.uncompressedSize, head: Buffer.alloc(0) });
          return zip.readEntry();
        }
        zip.openReadStream(e, (err2, s) => {
          if (err2) return reject(err2);
          const chunks = [];
          s.on('data', (c) => chunks.push(c));
          s.on('end', () => {
            const data = Buffer.concat(chunks);
            members.push({ path: e.fileName, type: 'file', size: data.length, head: data.subarray(0, 64), data });
            zip.readEntry();
          });
          s.on('error', reject);
        });
      });
      zip.on('end', () => resolve(members));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Distribution (src/scan/archive/types.ts shape) with content for members `want` accepts; null when unreadable. */
export async function readDist(path, want, sha256 = '') {
  const buf = readFileSync(path);
  const filename = basename(path);
  try {
    if (buf[0] === 0x50 && buf[1] === 0x4b) {
      const members = await readZip(buf, (p, s) => want(p, s, 'zip'));
      const isWheel = members.some((m) => /\.dist-info\/WHEEL$/.test(m.path));
      return { filename, sha256, format: isWheel ? 'wheel' : 'sdist-zip', container: 'zip', members, totalBytes: 0, fileBytes: buf.length };
    }
    const raw = buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
    if (raw.length < 512 || raw.subarray(257, 262).toString() !== 'ustar') return null;
    const members = await readTar(raw, (p, s) => want(p, s, 'tar'));
    return { filename, sha256, format: 'sdist-tar', container: buf[0] === 0x1f ? 'tar.gz' : 'tar', members, totalBytes: raw.length, fileBytes: buf.length };
  } catch {
    return null;
  }
}
