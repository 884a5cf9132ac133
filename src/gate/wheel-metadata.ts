// PEP 658: the core metadata of a wheel is its .dist-info/METADATA member, served byte for byte.
import yauzl from 'yauzl';
import { MAX_METADATA_BYTES } from './core-metadata.js';

/** Reads `<name>-<version>.dist-info/METADATA` from a (verified, scanned) wheel on disk. */
export function extractWheelMetadata(path: string, filename: string): Promise<Buffer | null> {
  const [name, version] = filename.split('-');
  const want = `${name}-${version}.dist-info/METADATA`.toLowerCase();
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open wheel'));
      let fallback: yauzl.Entry | null = null;
      const read = (entry: yauzl.Entry) => {
        if (entry.uncompressedSize > MAX_METADATA_BYTES) {
          zip.close();
          return reject(new Error('METADATA too large'));
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('cannot read METADATA'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
        });
      };
      zip.on('entry', (entry: yauzl.Entry) => {
        const lower = entry.fileName.toLowerCase();
        if (lower === want) return read(entry);
        if (!fallback && /^[^/]+\.dist-info\/metadata$/.test(lower)) fallback = entry;
        zip.readEntry();
      });
      zip.on('end', () => {
        if (fallback) return read(fallback);
        zip.close();
        resolve(null);
      });
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
