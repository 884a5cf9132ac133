// /files/<sha256>/<filename> and its PEP 658 twin <filename>.metadata.
// Every byte goes through the verdict gate first; refusals are a 403 whose reason phrase names
// the file, the reason and the review id (pip prints only that), with a problem+json body (uv).
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Readable } from 'node:stream';
import { isWheel } from '../index/index.js';
import { StorageError, type Gate, type GateResult } from '../gate/gate.js';
import { extractWheelMetadata } from '../gate/wheel-metadata.js';
import { MAX_METADATA_BYTES, notCoreMetadata } from '../gate/core-metadata.js';
import type { BlobStore } from '../store/blobs.js';
import type { FileRow, MetadataStore } from '../store/metadata.js';
import type { Upstream } from '../upstream/types.js';
import { UpstreamError } from '../upstream/types.js';
import { knownRefusal } from '../policy/decide.js';
import type { Logger } from '../log.js';
import { HttpError, problem } from './problem.js';
import { refusalPhrase, refusalReason, refusalVerb } from './refusal.js';
import { parseRange } from './range.js';
import { sendFileRange } from './send-file.js';
import { alreadySent, outgoingOf } from './raw.js';

export interface FilesDeps {
  gate: Gate;
  store: MetadataStore;
  blobs: BlobStore;
  /** Core metadata only (PEP 658): its own namespace, never a distribution's blob. */
  metaBlobs: BlobStore;
  upstream: Upstream;
  log: Logger;
  onBytesServed?: (bytes: number) => void;
  /** Where developers ask about a refusal (config refusalContact). */
  refusalContact?: string;
  /** A URI prefix: allowed files are sent by an nginx in front (X-Accel-Redirect); '' or absent: sent from here. */
  accelRedirect?: string;
}

const SHA_RE = /^[0-9a-f]{64}$/;
// Content-addressed: the bytes behind a /files/ URL never change.
const IMMUTABLE = 'max-age=365000000, immutable, public';

export function mountFiles(app: Hono, d: FilesDeps): void {
  const metadataInflight = new Map<string, Promise<string | null>>();

  app.get('/files/:sha256/:filename', async (c) => {
    const sha256 = c.req.param('sha256');
    let filename = c.req.param('filename');
    const wantsMetadata = filename.endsWith('.metadata');
    if (wantsMetadata) filename = filename.slice(0, -'.metadata'.length);
    // Only files an upstream page listed, under a name a page listed them by: no open proxy.
    const file = SHA_RE.test(sha256) ? await d.store.getListing(sha256, filename) : undefined;
    if (!file) {
      throw new HttpError(404, 'not-listed', 'Not Found', 'no upstream index page lists this file');
    }
    try {
      await d.store.touchFile(sha256);
    } catch (err) {
      // Request statistics are not worth an outage: with the disk full, cached files still serve.
      d.log.warn('could not record the request', { sha256, reason: (err as Error).message });
    }
    return wantsMetadata ? serveMetadata(c, file) : serveFile(c, file);
  });

  async function serveFile(c: Context, file: FileRow): Promise<Response> {
    let result = await d.gate.ensure(file.sha256, file);
    if (result.decision.action === 'allow' && (await d.blobs.size(file.sha256)) === null) {
      // The quota evicted it since this request read its row: fetch it again (the verdict stands).
      result = await d.gate.ensure(file.sha256, await d.store.getListing(file.sha256, file.filename));
    }
    const refused = await refusal(c, result);
    if (refused) return refused;
    // Only here, after the verdict allowed the file: nginx resolves the header against its internal
    // location, which clients cannot request directly, and handles Range and conditional requests.
    if (d.accelRedirect && c.req.method === 'GET') {
      if ((await d.blobs.size(file.sha256)) === null) throw new HttpError(500, 'blob-missing', 'Internal Server Error', 'the stored file is missing');
      return c.body(null, 200, {
        'content-type': 'application/octet-stream',
        'cache-control': IMMUTABLE,
        'x-accel-redirect': d.accelRedirect + d.blobs.relative(file.sha256),
      });
    }
    return sendBlob(c, d.blobs, file.sha256, 'application/octet-stream');
  }

  async function serveMetadata(c: Context, file: FileRow): Promise<Response> {
    // A file already known to be refused keeps its metadata too.
    if (knownRefusal((await d.gate.peek(file)).decision)) {
      const refused = await refusal(c, await d.gate.ensure(file.sha256, file));
      if (refused) return refused;
    }
    // Metadata is served only from the metadata store, which holds nothing but bytes that passed
    // notCoreMetadata (issue 10: a listed hash naming a refused distribution served its bytes).
    let metaSha: string | null = null;
    const listed = file.metadata_sha256;
    if (listed) {
      if (await d.store.getFile(listed)) {
        // Defence in depth: bytes a page listed as a distribution are never metadata, whatever they look like.
        throw new UpstreamError('invalid-metadata', `the index lists the sha256 of a distribution as the core metadata of ${file.filename}`);
      }
      metaSha = await once(`up:${file.sha256}:${listed}`, () => fetchUpstreamMetadata(file, listed));
    }
    if (!metaSha) {
      if (!isWheel(file.filename)) throw new HttpError(404, 'no-metadata', 'Not Found', 'no core metadata for this file');
      // Extracted from the wheel once it is fetched, verified and scanned.
      const refused = await refusal(c, await d.gate.ensure(file.sha256, file));
      if (refused) return refused;
      metaSha = await once(`wheel:${file.sha256}`, () => extractMetadata(file));
      if (listed && metaSha !== listed) {
        throw new UpstreamError('hash-mismatch', `the METADATA in ${file.filename} does not match the core-metadata hash the index listed`);
      }
    }
    return sendBlob(c, d.metaBlobs, metaSha, 'application/octet-stream');
  }

  function once<T extends string | null>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = metadataInflight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn().finally(() => metadataInflight.delete(key));
      metadataInflight.set(key, p);
    }
    return p;
  }

  /** The listed metadata, from the store or fetched and checked; null when upstream has none (then it is extracted). */
  async function fetchUpstreamMetadata(file: FileRow, want: string): Promise<string | null> {
    if ((await d.metaBlobs.size(want)) !== null) return want;
    let body: Readable;
    try {
      ({ body } = await d.upstream.open(file.upstream_url + '.metadata', file.upstream));
    } catch (err) {
      // An index that lists a hash but cannot serve the file (or data from before the metadata store
      // existed): the verified wheel's METADATA, if it has the listed hash, is the same file.
      if (err instanceof UpstreamError && err.code === 'bad-status') return null;
      throw err;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_METADATA_BYTES) {
        body.destroy();
        throw new UpstreamError('too-large', `metadata of ${file.filename} is over ${MAX_METADATA_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    return putMetadata(Buffer.concat(chunks), want, file.filename + '.metadata');
  }

  async function extractMetadata(file: FileRow): Promise<string> {
    const known = file.wheel_metadata_sha256;
    if (known && (await d.metaBlobs.size(known)) !== null) return known;
    const data = await extractWheelMetadata(d.blobs.path(file.sha256), file.filename);
    if (!data) throw new HttpError(404, 'no-metadata', 'Not Found', `${file.filename} has no .dist-info/METADATA`);
    const why = notCoreMetadata(data);
    if (why) throw new HttpError(404, 'no-metadata', 'Not Found', `the METADATA in ${file.filename} is not core metadata: ${why}`);
    const sha = await putMetadata(data, null, file.filename + '.metadata');
    await d.store.setWheelMetadata(file.sha256, sha);
    return sha;
  }

  /** The only way into the metadata store: checked against the listed hash and for the shape of core metadata. */
  async function putMetadata(data: Buffer, want: string | null, what: string): Promise<string> {
    const sha = createHash('sha256').update(data).digest('hex');
    if (want && sha !== want) {
      // The hash of unexpected bytes is for the operator's log, not for the client (issue 10).
      d.log.warn('upstream metadata does not match its listed hash', { what, listed: want, got: sha });
      throw new UpstreamError('hash-mismatch', `${what}: upstream bytes do not match the sha256 the index listed`);
    }
    const why = notCoreMetadata(data);
    if (why) {
      d.log.warn('upstream metadata refused', { what, sha256: sha, reason: why });
      throw new UpstreamError('invalid-metadata', `${what} is not core metadata (${why})`);
    }
    const tmp = d.metaBlobs.createTemp();
    try {
      await new Promise<void>((resolve, reject) => {
        tmp.stream.once('error', reject);
        tmp.stream.end(data, () => resolve());
      });
      await d.metaBlobs.commit(tmp.path, sha);
    } catch (err) {
      // Never leave a partial file behind; a full disk is ours to report, not a server bug.
      await d.metaBlobs.abandon(tmp);
      const code = (err as { code?: string }).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new StorageError(`no space left to store ${what}: ${(err as Error).message}`);
      throw err;
    }
    return sha;
  }

  async function refusal(c: Context, r: GateResult): Promise<Response | null> {
    const { decision, file, review, verdict } = r;
    if (decision.action === 'allow') return null;
    const conn = clientOf(c);
    const requestId = c.get('requestId' as never) as string | undefined;
    const reviewId = review ? `Q-${review.id}` : undefined;
    const reason = refusalReason(decision, verdict);
    const event = {
      sha256: file.sha256,
      filename: file.filename,
      client: conn,
      userAgent: c.req.header('user-agent') ?? null,
      requestId,
      clientRequestId: c.req.header('x-request-id') ?? null,
      detail: { action: decision.action, source: decision.source, reason: decision.reason, reviewId },
    };
    if (!decision.enforced) {
      // Monitor mode: record what would have been refused, and serve.
      await d.store.addEvent({ kind: 'would-refuse', ...event });
      d.log.warn('monitor mode: would refuse', { filename: file.filename, action: decision.action, reason, reviewId, requestId });
      return null;
    }
    await d.store.addEvent({ kind: 'refused', ...event });
    d.log.warn('refused', { filename: file.filename, action: decision.action, source: decision.source, reason, reviewId, requestId });
    const verb = refusalVerb(decision);
    const phrase = refusalPhrase({ decision, filename: file.filename, verdict, reviewId, requestId, contact: d.refusalContact });
    const ask = d.refusalContact ? ` Ask ${d.refusalContact}${reviewId ? ` about ${reviewId}` : ''}.` : reviewId ? ` Ask your security team to review ${reviewId}.` : '';
    const detail = `${file.filename}: ${reason}.${ask}`;
    return problem(c, new HttpError(403, decision.action === 'block' ? 'blocked' : 'quarantined', verb, detail, phrase), {
      file: file.filename,
      sha256: file.sha256,
      reviewId,
      action: decision.action,
      reason,
      rules: verdict && decision.source === 'verdict' ? [...new Set(verdict.findings.map((f) => f.rule))] : undefined,
    });
  }

  async function sendBlob(c: Context, blobs: BlobStore, sha256: string, contentType: string): Promise<Response> {
    const size = await blobs.size(sha256);
    if (size === null) throw new HttpError(500, 'blob-missing', 'Internal Server Error', 'the stored file is missing');
    const etag = `"${sha256}"`;
    const headers: Record<string, string> = {
      'content-type': contentType,
      etag,
      'accept-ranges': 'bytes',
      'cache-control': IMMUTABLE,
    };
    const ifRange = c.req.header('if-range');
    const range = ifRange && ifRange !== etag ? ({ kind: 'none' } as const) : parseRange(c.req.header('range'), size);
    if (range.kind === 'unsatisfiable') {
      return c.body(null, 416, { ...headers, 'content-range': `bytes */${size}` });
    }
    if (c.req.header('if-none-match')?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      return c.body(null, 304, headers);
    }
    let status: 200 | 206 = 200;
    let start = 0;
    let end = size - 1;
    if (range.kind === 'ok') {
      status = 206;
      ({ start, end } = range);
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers['content-length'] = String(length);
    if (c.req.method === 'HEAD' || length === 0) return c.body(null, status, headers);
    d.onBytesServed?.(length);
    const outgoing = outgoingOf(c);
    if (outgoing) {
      // Fast path: the file straight into the socket from reused buffers, no web-stream adaptation.
      outgoing.writeHead(status, headers);
      void sendFileRange(outgoing, blobs.path(sha256), start, end);
      return alreadySent(status);
    }
    return c.body(Readable.toWeb(blobs.read(sha256, { start, end })) as ReadableStream, status, headers);
  }
}

function clientOf(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
