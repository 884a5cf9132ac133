// A minimal archive reader for the analysis dev harness (scripts/dev-analyze.mjs) only, used
// while the real reader (src/scan/archive/) is not there. Reads bytes, never writes members to
// disk, never executes anything. Not hardened: the proxy never uses it.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';

const TAR_TYPES = { file: 'file', directory: 'dir', symlink: 'symlink', link: 'hardlink', 'character-device': 'device', 'block-device': 'device', fifo: 'device' };

export async function readDistribution(path, filename, wantsContent) {
  const buf = readFileSync(path);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const base = { filename, sha256, fileBytes: buf.length, totalBytes: 0, members: [] };
  if (buf[0] === 0x50 && buf[1] === 0x4b) {
    const members = await readZip(buf, wantsContent);
    const isWheel = members.some((m) => /\.dist-info\/WHEEL$/.test(m.path));
    return { ...base, format: isWheel ? 'wheel' : filename.endsWith('.egg') ? 'egg' : 'sdist-zip', container: 'zip', members, totalBytes: members.reduce((a, m) => a + m.size, 0) };
  }
  let raw;
  let container;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    raw = gunzipSync(buf, { maxOutputLength: 512 * 1024 * 1024 });
    container = 'tar.gz';
  } else if (buf.subarray(257, 262).toString() === 'ustar') {
    raw = buf;
    container = 'tar';
  } else {
    throw new Error('unknown-format');
  }
  const members = await readTar(raw, wantsContent);
  return { ...base, format: 'sdist-tar', container, members, totalBytes: members.reduce((a, m) => a + m.size, 0) };
}

function readTar(raw, wantsContent) {
  return new Promise((resolve, reject) => {
    const members = [];
    const ex = tar.extract();
    ex.on('entry', (h, stream, next) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        const m = { path: h.name, type: TAR_TYPES[h.type] ?? 'other', size: data.length, head: data.subarray(0, 64) };
        if (h.linkname) m.linkTarget = h.linkname;
        if (m.type === 'file' && wantsContent(h.name, data.length)) m.data = data;
        members.push(m);
        next();
      });
      stream.resume();
    });
    ex.on('finish', () => resolve(members));
    ex.on('error', reject);
    ex.end(raw);
  });
}

function readZip(buf, wantsContent) {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: false, strictFileNames: false, decodeStrings: true }, (err, zip) => {
      if (err) return reject(err);
      const members = [];
      zip.on('entry', (e) => {
        if (e.fileName.endsWith('/')) {
          members.push({ path: e.fileName, type: 'dir', size: 0, head: Buffer.alloc(0) });
          return zip.readEntry();
        }
        zip.openReadStream(e, (err2, s) => {
          if (err2) return reject(err2);
          const chunks = [];
          s.on('data', (c) => chunks.push(c));
          s.on('error', reject);
          s.on('end', () => {
            const data = Buffer.concat(chunks);
            const isLink = ((e.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
            const m = { path: e.fileName, type: isLink ? 'symlink' : 'file', size: data.length, head: data.subarray(0, 64) };
            if (isLink) m.linkTarget = data.toString();
            if (!isLink && wantsContent(e.fileName, data.length)) m.data = data;
            members.push(m);
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(members));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
