// POST /-/upload/<index>/: the legacy upload API that twine, flit, hatch and poetry publish with
// (a multipart form with `:action=file_upload`, the core metadata fields and the file as
// `content`; warehouse's forklift documents it), into a hosted index (issue 12). Authenticated
// with an `upload` token as Basic auth `__token__:<token>`, as twine sends it.
// An upload is verified (digests, file name, name and version), kept, then goes through the gate
// like any other file (the bytes are read back from the hosted folder, hashed and scanned) and is
// listed only once policy allows it. A file name is never reused on an index. Errors carry a
// reason phrase, which is what twine prints.
// Admins delete (the sha256 goes on the deny list, so a stored copy is not served either) and
// yank uploads under /-/api/uploads/; each writes an audit row.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context, Hono } from 'hono';
import { isWheel, normalizeName, sdistExtension, versionFromFilename } from '../index/index.js';
import { projectFromFilename } from '../upstream/folder.js';
import type { HostedUpstream } from '../upstream/hosted.js';
import type { Claims } from '../upstream/several.js';
import type { OrgStore } from '../store/uploads.js';
import type { MetadataStore } from '../store/metadata.js';
import type { ReviewStore } from '../store/review.js';
import type { Gate } from '../gate/gate.js';
import type { PageCache } from '../pages/cache.js';
import type { PageRenderer } from '../pages/render.js';
import type { Logger } from '../log.js';
import { principal, requireRole } from '../auth/middleware.js';
import { HttpError } from './problem.js';

export interface UploadDeps {
  org: OrgStore;
  /** Where a name becomes private (PrivateNames: the typosquat check learns it at once). */
  claims: Claims;
  hosted: Map<string, HostedUpstream>;
  reviews: ReviewStore;
  store: MetadataStore;
  gate: Gate;
  pages: PageCache;
  renderer: PageRenderer;
  log: Logger;
  maxFileSize: number;
}

/** Room for the form fields around the file (description, classifiers ...). */
const FORM_OVERHEAD = 1024 * 1024;

const bad = (detail: string) => new HttpError(400, 'bad-upload', 'Bad Request', detail, detail);

/** Lower case with "-", "_" and "." alike: the filename escapes a version's "-" as "_" (PEP 427). */
const looseVersion = (v: string) => v.trim().toLowerCase().replace(/[-_.]+/g, '.');

export function mountUpload(app: Hono, d: UploadDeps): void {
  const uploader = requireRole(d.reviews.tokens, 'upload', { allowBasic: true, realm: 'pywarden upload' });
  const admin = requireRole(d.reviews.tokens, 'admin');

  const hostedIndex = (c: Context): HostedUpstream => {
    const h = d.hosted.get(c.req.param('index') ?? '');
    if (!h) throw new HttpError(404, 'no-such-index', 'Not Found', `no hosted index named "${c.req.param('index')}"`, 'no hosted index of that name');
    return h;
  };

  const upload = async (c: Context) => {
    const index = hostedIndex(c);
    const declared = Number(c.req.header('content-length'));
    if (!Number.isFinite(declared)) throw new HttpError(411, 'length-required', 'Length Required', 'send Content-Length', 'Length Required');
    if (declared > d.maxFileSize + FORM_OVERHEAD) {
      const why = `the upload is ${declared} bytes, over the ${d.maxFileSize} byte limit (maxFileSize)`;
      throw new HttpError(413, 'too-large', 'Content Too Large', why, why);
    }
    // The form is read into memory: bounded by the check above.
    let form: Record<string, string | File | (string | File)[]>;
    try {
      form = await c.req.parseBody({ all: true });
    } catch (err) {
      throw bad(`the body is not a multipart form: ${(err as Error).message}`);
    }
    const field = (k: string) => {
      const v = form[k];
      const one = Array.isArray(v) ? v[0] : v;
      return typeof one === 'string' ? one.trim() : undefined;
    };
    if (field(':action') !== 'file_upload') throw bad('only ":action" file_upload is supported');
    const content = Array.isArray(form.content) ? form.content[0] : form.content;
    if (!content || typeof content === 'string') throw bad('the form has no file in "content"');
    const filename = content.name;
    // A bare file name: it becomes a path in the hosted folder.
    if (!filename || filename !== path.basename(filename) || filename.startsWith('.') || /[\\/\0]/.test(filename)) throw bad(`"${filename}" is not a distribution file name`);
    const project = projectFromFilename(filename);
    const fileVersion = project ? versionFromFilename(filename, project) : null;
    if (!project || !fileVersion) throw bad(`"${filename}" is not a wheel or sdist file name`);
    const name = field('name');
    const version = field('version');
    if (!name || normalizeName(name) !== project) throw bad(`the file ${filename} is not a file of project "${name ?? ''}"`);
    if (!version || looseVersion(version) !== looseVersion(fileVersion)) throw bad(`the file ${filename} is not version ${version ?? '(none)'}`);
    const filetype = field('filetype');
    if ((filetype === 'bdist_wheel' && !isWheel(filename)) || (filetype === 'sdist' && !sdistExtension(filename))) throw bad(`${filename} is not a ${filetype}`);
    const data = Buffer.from(await content.arrayBuffer());
    if (data.length > d.maxFileSize) throw bad(`${filename} is over the ${d.maxFileSize} byte limit (maxFileSize)`);
    if (!data.length) throw bad(`${filename} is empty`);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const wantSha = field('sha256_digest')?.toLowerCase();
    const wantMd5 = field('md5_digest')?.toLowerCase();
    if (!wantSha && !wantMd5) throw bad('send sha256_digest (or md5_digest) with the file');
    if (wantSha && wantSha !== sha256) throw bad(`${filename}: the sha256_digest does not match the file sent`);
    if (wantMd5 && wantMd5 !== createHash('md5').update(data).digest('hex')) throw bad(`${filename}: the md5_digest does not match the file sent`);

    const who = principal(c).name;
    // The UNIQUE constraint decides between two racing uploads of the same name.
    if (!(await d.org.addUpload({ index: index.name, filename, project, version, sha256, size: data.length, uploader: who }))) {
      const why = `File already exists: ${filename} was uploaded to ${index.name} before; a file name is never reused, upload a new version`;
      throw new HttpError(400, 'file-exists', 'Bad Request', why, why);
    }
    try {
      await mkdir(index.dir, { recursive: true });
      const tmp = path.join(index.dir, `.upload-${sha256}-${process.pid}`);
      await writeFile(tmp, data, { flag: 'wx' });
      await rename(tmp, path.join(index.dir, filename));
    } catch (err) {
      await d.org.setState(index.name, filename, 'refused');
      throw err;
    }
    // From here the name is the organisation's: no public project of that name is looked up again.
    await d.claims.claim(project, index.name);
    await d.store.upsertProject(project, null);
    // No upload time on the listing: the cooldown is for strangers' releases, not the organisation's own.
    await d.store.upsertFiles(project, [{ sha256, filename, version: fileVersion, size: data.length, upstreamUrl: index.fileUrl(filename), uploadTime: null, metadataSha256: null, upstream: index.name }]);
    const listed = await d.store.getListing(sha256, filename);
    let result;
    try {
      // The same path as a proxied file: fetched from the hosted folder, hash checked, scanned, recorded.
      result = await d.gate.ensure(sha256, listed);
    } catch (err) {
      await d.org.setState(index.name, filename, 'refused');
      throw err;
    }
    const { decision, review } = result;
    const allowed = decision.action === 'allow' || !decision.enforced;
    await d.org.setState(index.name, filename, allowed ? 'published' : 'refused');
    d.pages.forget(project);
    d.renderer.invalidate(project);
    const reviewId = review ? `Q-${review.id}` : undefined;
    await d.store.addEvent({
      kind: allowed ? 'upload' : 'upload-refused',
      sha256,
      filename,
      requestId: c.get('requestId' as never) as string | undefined,
      detail: { index: index.name, uploader: who, action: decision.action, reason: decision.reason, reviewId },
    });
    d.log.info(allowed ? 'uploaded' : 'upload refused', { index: index.name, filename, sha256, uploader: who, action: decision.action, reason: decision.reason, reviewId });
    if (!allowed) {
      const verb = decision.action === 'block' ? 'Blocked by policy' : 'Held for review';
      const why = `${verb}: ${decision.reason} in ${filename}${reviewId ? ` (${reviewId})` : ''}; it is not listed`;
      throw new HttpError(403, decision.action === 'block' ? 'blocked' : 'quarantined', verb, why, why);
    }
    return c.text('OK\n', 200);
  };
  app.post('/-/upload/:index/', uploader, upload);
  app.post('/-/upload/:index', uploader, upload);

  const target = async (c: Context) => {
    const index = hostedIndex(c);
    const filename = c.req.param('filename') ?? '';
    const row = await d.org.upload(index.name, filename);
    if (!row || row.state === 'deleted') throw new HttpError(404, 'not-found', 'Not Found', `${filename} is not on ${index.name}`);
    return { index, row };
  };
  const reasonOf = async (c: Context): Promise<string | null> => {
    const body = (await c.req.json().catch(() => ({}))) as { reason?: unknown };
    return typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : null;
  };

  app.delete('/-/api/uploads/:index/:filename', admin, async (c) => {
    const { index, row } = await target(c);
    const actor = principal(c).name;
    const reason = await reasonOf(c);
    await d.org.setState(index.name, row.filename, 'deleted');
    // Off the page and out of reach: the listing and any stored copy stay (for the audit trail), refused by sha256.
    await d.reviews.addListEntry('deny', 'sha256', row.sha256, `deleted from hosted index ${index.name}${reason ? `: ${reason}` : ''}`, actor);
    await rm(path.join(index.dir, row.filename), { force: true });
    await d.store.addEvent({ kind: 'upload-deleted', sha256: row.sha256, filename: row.filename, detail: { index: index.name, actor, reason } });
    d.pages.forget(row.project);
    d.renderer.invalidate(row.project);
    return c.json({ deleted: row.filename, index: index.name });
  });

  app.post('/-/api/uploads/:index/:filename/yank', admin, async (c) => {
    const { index, row } = await target(c);
    const actor = principal(c).name;
    const reason = await reasonOf(c);
    await d.org.setYanked(index.name, row.filename, reason ?? '');
    await d.store.addEvent({ kind: 'upload-yanked', sha256: row.sha256, filename: row.filename, detail: { index: index.name, actor, reason } });
    d.pages.forget(row.project);
    d.renderer.invalidate(row.project);
    return c.json({ yanked: row.filename, index: index.name, reason });
  });
}
