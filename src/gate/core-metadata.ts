// What may be stored and served as PEP 658 core metadata. Issue 10: a page could name a refused
// distribution's sha256 as a clean wheel's metadata hash, and the proxy served the refused bytes.
// Metadata now lives in its own blob store, and nothing enters it unless it looks like core
// metadata (core-metadata spec: RFC 822 style headers with Metadata-Version and Name), which no
// distribution archive (zip, gzip, bzip2) does.

/**
 * Largest core metadata accepted. Real METADATA files are a few KiB; long descriptions (a whole
 * README) reach a few hundred KiB.
 */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;

const HEADER = /^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]?(.*)$/;

/** Why `data` is not core metadata, or null when it is. */
export function notCoreMetadata(data: Buffer): string | null {
  if (data.length > MAX_METADATA_BYTES) return `over ${MAX_METADATA_BYTES} bytes`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return 'not UTF-8 text';
  }
  if (text.includes('\0')) return 'not text (holds NUL bytes)';
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the headers end at the first empty line; the body is the description
    if (/^[ \t]/.test(line)) {
      if (!fields.size) return 'starts with a continuation line';
      continue;
    }
    const m = HEADER.exec(line);
    if (!m) return 'a header line is not "Name: value"';
    const key = m[1].toLowerCase();
    if (!fields.has(key)) fields.set(key, m[2].trim());
  }
  if (!/^\d+(\.\d+)*$/.test(fields.get('metadata-version') ?? '')) return 'no Metadata-Version header';
  if (!fields.get('name')) return 'no Name header';
  return null;
}
