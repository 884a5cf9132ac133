// The review page's script: a plain ES module, no framework, served as written (type-checked by
// tsconfig.json next to it). Text goes through textContent only (no innerHTML with data), so a
// hostile file name or code line cannot inject markup.
const $ = (s) => document.querySelector(s);
const KEY = 'pywarden.token';
let queue = [];
let sel = 0;
let current = null;

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem(KEY);
  const headers = { authorization: 'Bearer ' + token };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch('/-/api/' + path, { method: opts.method || 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) { signOut(body.detail || 'please sign in'); throw new Error('unauthorized'); }
  if (!res.ok) throw new Error(body.detail || body.title || ('HTTP ' + res.status));
  return body;
}

function show(id) {
  for (const s of ['#signin', '#queue-view', '#item-view', '#policy-view']) $(s).hidden = s !== id;
  $('#nav').hidden = id === '#signin';
}

function signOut(msg) {
  sessionStorage.removeItem(KEY);
  $('#signin-error').textContent = msg || '';
  show('#signin');
  $('#token').focus();
}

async function signIn(token) {
  sessionStorage.setItem(KEY, token);
  try {
    const me = await api('whoami');
    $('#who').textContent = me.name + ' (' + me.role + ')';
    location.hash = location.hash || '#/queue';
    await route();
  } catch (e) {
    if (e.message !== 'unauthorized') signOut(e.message);
  }
}

function fmtDate(s) { return s ? s.replace('T', ' ').slice(0, 16) : ''; }

// Python packaging began in the 2000s: an upload time before 2000 is an index (or a folder's file
// time) with no real one, such as the Unix epoch, and is said to be unknown rather than shown as 1970.
const EARLIEST_UPLOAD = Date.UTC(2000, 0, 1);
function fmtUpload(s) {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) && t >= EARLIEST_UPLOAD ? fmtDate(new Date(t).toISOString()) : 'unknown (the index gives none)';
}

/** Why the file is held, in one cell: the rules that fired, or the policy's reason when no rule did (a deny list, an advisory). */
function why(it) {
  if (it.rules.length) return it.rules.join(', ');
  return it.policy ? it.policy.reason + (it.policy.note ? ': ' + it.policy.note : '') : '';
}

/** Identical findings (same rule, severity and message; apsw had 19) as one card with a count and their places. */
function groupFindings(findings) {
  const groups = new Map();
  for (const f of findings) {
    const key = f.rule + '\0' + f.severity + '\0' + f.message;
    const g = groups.get(key);
    if (g) g.places.push(f);
    else groups.set(key, { first: f, places: [f] });
  }
  return [...groups.values()];
}

async function loadQueue() {
  const f = new FormData($('#filters'));
  const q = new URLSearchParams();
  for (const [k, v] of f) if (v) q.set(k, String(v));
  const [data, ov] = await Promise.all([api('queue?' + q), api('overview?days=14')]);
  queue = data.items;
  const tb = $('#queue tbody');
  tb.replaceChildren(...queue.map((it, i) => {
    const tr = el('tr', { tabindex: '0', 'data-id': it.id },
      el('td', { text: it.id }),
      el('td', { text: it.filename }),
      el('td', { class: 'state state-' + it.state, text: it.state }),
      el('td', { text: it.verdict || '' }),
      el('td', { text: it.score == null ? '' : it.score.toFixed(2) }),
      el('td', { text: why(it) }),
      el('td', { text: String(it.requests) }),
      el('td', { text: fmtDate(it.createdAt) }));
    tr.addEventListener('click', () => open(it.id));
    tr.addEventListener('focus', () => select(i, false));
    return tr;
  }));
  $('#queue-empty').hidden = queue.length > 0;
  sel = Math.min(sel, Math.max(queue.length - 1, 0));
  select(sel, false);
  chart(ov.days);
}

function select(i, focus = true) {
  const rows = [.../** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('#queue tbody tr'))];
  if (!rows.length) return;
  sel = Math.max(0, Math.min(i, rows.length - 1));
  rows.forEach((r, j) => r.classList.toggle('sel', j === sel));
  if (focus) rows[sel].focus();
}

function open(id) { location.hash = '#/item/' + id; }

function chart(days) {
  const W = 640, H = 120, pad = 18, series = [['scanned', '#8aa4c8'], ['held', '#c98a00'], ['released', '#2e8b57'], ['blocked', '#b3261e']];
  const max = Math.max(1, ...days.flatMap((d) => series.map(([k]) => d[k])));
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + 30));
  svg.setAttribute('width', String(W));
  svg.setAttribute('role', 'img');
  const title = document.createElementNS(NS, 'title');
  title.textContent = days.map((d) => d.day + ': ' + series.map(([k]) => d[k] + ' ' + k).join(', ')).join('; ');
  svg.append(title);
  const slot = (W - pad) / days.length, bw = Math.max(2, (slot - 4) / series.length);
  days.forEach((d, i) => {
    series.forEach(([k, color], j) => {
      const h = (d[k] / max) * (H - pad);
      const r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', String(pad + i * slot + j * bw)); r.setAttribute('y', String(H - h)); r.setAttribute('width', String(bw - 1)); r.setAttribute('height', String(h)); r.setAttribute('fill', color);
      const t = document.createElementNS(NS, 'title'); t.textContent = d.day + ' ' + k + ': ' + d[k]; r.append(t);
      svg.append(r);
    });
    if (i % 2 === 0) { const t = document.createElementNS(NS, 'text'); t.setAttribute('x', String(pad + i * slot)); t.setAttribute('y', String(H + 12)); t.textContent = d.day.slice(5); svg.append(t); }
  });
  series.forEach(([k, color], j) => {
    const r = document.createElementNS(NS, 'rect'); r.setAttribute('x', String(pad + j * 90)); r.setAttribute('y', String(H + 19)); r.setAttribute('width', '9'); r.setAttribute('height', '9'); r.setAttribute('fill', color); svg.append(r);
    const t = document.createElementNS(NS, 'text'); t.setAttribute('x', String(pad + j * 90 + 13)); t.setAttribute('y', String(H + 27)); t.textContent = k; svg.append(t);
  });
  $('#chart').replaceChildren(svg);
}

async function loadItem(id) {
  const it = await api('items/' + encodeURIComponent(id));
  current = it;
  $('#item-title').textContent = it.id + '  ' + it.filename;
  const facts = [
    ['State', it.state], ['Project', it.project + (it.version ? ' ' + it.version : '')], ['sha256', it.sha256],
    ['Uploaded', fmtUpload(it.file.uploadTime)], ['Verdict', it.verdict ? it.verdict.verdict + ' (score ' + it.verdict.score.toFixed(2) + ', scanner ' + it.verdict.scannerVersion + ')' : 'none'],
    ['Policy now', it.policy.action + ' (' + it.policy.source + ': ' + it.policy.reason + (it.policy.note ? ': ' + it.policy.note : '') + ')'],
    ['Known malicious', it.advisories.length ? it.advisories.map((a) => a.id + ': ' + a.summary + (a.references.length ? ' (' + a.references[0].url + ')' : '')).join('; ') : 'no advisory lists it'],
    ['Requests', String(it.file.requests)], ['Origin', it.file.origin], ['Upstream status', it.upstream.projectStatus],
    ['Model', it.model ? it.model.score.toFixed(3) + (it.model.top.length ? ' — ' + it.model.top.map((t) => t.feature + ' (+' + t.contribution.toFixed(3) + ')').join(', ') : '') : 'no model'],
    ['Outlier rank / family', it.cluster ? (it.cluster.outlierRank ?? '-') + ' / ' + (it.cluster.family ?? '-') : 'not ranked'],
  ];
  $('#item-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
  $('#findings').replaceChildren(...(it.findings.length ? groupFindings(it.findings).map(finding) : [el('p', { text: 'No findings recorded (a verdict of error or a model-only score).' })]));
  $('#askers tbody').replaceChildren(...it.askedBy.map((a) => el('tr', {}, el('td', { text: a.client || '' }), el('td', { text: a.userAgent || '' }), el('td', { text: String(a.count) }), el('td', { text: fmtDate(a.last) }))));
  $('#history tbody').replaceChildren(...it.history.map((h) => el('tr', {}, el('td', { text: fmtDate(h.decided_at) }), el('td', { text: h.actor }), el('td', { text: h.action + (h.expires_at ? ' until ' + fmtDate(h.expires_at) : '') }), el('td', { text: h.previous || '' }), el('td', { text: h.reason || '' }))));
  $('#action-status').textContent = '';
  // Focus the title, not an input, so the single-key shortcuts work at once.
  $('#item-title').focus();
}

function where(f) { return (f.path || '(archive)') + (f.line ? ':' + f.line : ''); }

function finding({ first: f, places }) {
  const box = el('div', { class: 'finding sev-' + f.severity },
    el('header', {}, el('span', { class: 'rule', text: f.rule + ' ' }), el('span', { text: '[' + f.severity + '] ' }), el('span', { class: 'where', text: where(f) }),
      places.length > 1 ? el('span', { class: 'count', text: ' ×' + places.length }) : null),
    el('p', { text: f.message }));
  if (places.length > 1) box.append(el('p', { class: 'hint places', text: 'Also at: ' + places.slice(1).map(where).join(', ') }));
  if (f.context) {
    const pre = el('pre', { class: 'code' });
    f.context.lines.forEach((line, i) => {
      const n = f.context.start + i;
      pre.append(el('span', { class: 'ln' + (n === f.context.highlight ? ' hit' : ''), 'data-n': String(n), text: line }));
    });
    box.append(pre);
  } else if (f.snippet) {
    box.append(el('pre', { class: 'code' }, el('span', { class: 'ln hit', 'data-n': String(f.line || ''), text: f.snippet })));
  }
  if (f.contextNote) box.append(el('p', { class: 'hint', text: f.contextNote }));
  return box;
}

async function act(action) {
  if (!current) return;
  const reason = $('#reason').value.trim();
  const status = $('#action-status');
  let msg;
  try {
    if (action === 'rescan') {
      const r = await api('items/' + current.id + '/rescan', { method: 'POST', body: {} });
      msg = 'Rescanned: ' + r.verdict + ', now ' + r.state + '.';
    } else if (action === 'waive') {
      if (!reason) throw new Error('write why first');
      const scope = $('#waive-scope').value;
      const body = { project: current.project, justification: reason, days: Number($('#waive-days').value) };
      if (scope === 'sha256') body.sha256 = current.sha256;
      if (scope === 'version') body.version = current.version;
      const r = await api('waivers', { method: 'POST', body });
      msg = 'Waived until ' + new Date(r.waiver.expires_at).toISOString() + '.';
    } else {
      if (!reason) throw new Error('write why first');
      const r = await api('items/' + current.id + '/' + action, { method: 'POST', body: { reason } });
      msg = (action === 'release' ? 'Released' : 'Block confirmed') + ' (was ' + r.previous + ').';
    }
    $('#reason').value = '';
    await loadItem(current.id);
    status.textContent = msg;
  } catch (e) {
    if (e.message !== 'unauthorized') status.textContent = 'Failed: ' + e.message;
  }
}

async function loadPolicy() {
  const [w, l, r] = await Promise.all([api('waivers'), api('lists'), api('rules')]);
  const btn = (label, fn) => { const b = el('button', { type: 'button', text: label }); b.addEventListener('click', fn); return b; };
  $('#waivers tbody').replaceChildren(...w.waivers.map((x) => el('tr', {},
    el('td', { text: String(x.id) }), el('td', { text: x.project + (x.version ? ' ' + x.version : '') + (x.sha256 ? ' ' + x.sha256.slice(0, 12) + '…' : '') }),
    el('td', { text: fmtDate(x.expires_at) }), el('td', { text: x.justification }), el('td', { text: x.actor }),
    el('td', {}, btn('Revoke', () => policyAct(() => api('waivers/' + x.id + '/revoke', { method: 'POST', body: {} }), 'Waiver ' + x.id + ' revoked.'))))));
  $('#lists tbody').replaceChildren(...l.entries.map((x) => el('tr', {},
    el('td', { text: String(x.id) }), el('td', { text: x.list }), el('td', { text: x.kind }), el('td', { text: x.value }), el('td', { text: x.reason || '' }), el('td', { text: x.actor }),
    el('td', {}, btn('Remove', () => policyAct(() => api('lists/' + x.id, { method: 'DELETE' }), 'Removed ' + x.value + '.'))))));
  $('#rules tbody').replaceChildren(...r.rules.map((x) => el('tr', {}, el('td', { text: x.rule }), el('td', { text: x.mode }), el('td', { text: x.actor }), el('td', { text: fmtDate(x.updated_at) }))));
}

async function policyAct(fn, done) {
  try { await fn(); await loadPolicy(); $('#policy-status').textContent = done; }
  catch (e) { if (e.message !== 'unauthorized') $('#policy-status').textContent = 'Failed: ' + e.message; }
}

async function route() {
  if (!sessionStorage.getItem(KEY)) return signOut();
  const m = /^#\/item\/(Q-\d+)$/.exec(location.hash);
  try {
    if (m) { show('#item-view'); await loadItem(m[1]); }
    else if (location.hash === '#/policy') { show('#policy-view'); await loadPolicy(); }
    else { show('#queue-view'); await loadQueue(); select(sel); }
  } catch (e) {
    if (e.message !== 'unauthorized') alert(e.message);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#signin-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('#token').value.trim()); });
  $('#signout').addEventListener('click', () => signOut());
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadQueue(); });
  $('#back').addEventListener('click', (e) => { e.preventDefault(); location.hash = '#/queue'; });
  $('#list-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    policyAct(() => api('lists', { method: 'POST', body: f }), 'Added ' + f.value + ' to the ' + f.list + ' list.').then(() => e.target.reset());
  });
  $('#rule-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.target));
    policyAct(() => api('rules/' + encodeURIComponent(String(f.rule)), { method: 'PUT', body: { mode: String(f.mode), reason: String(f.reason ?? '') } }), 'Rule ' + f.rule + ' is now ' + f.mode + '.');
  });
  for (const b of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-action]'))) b.addEventListener('click', () => act(b.dataset.action));
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
    if (e.key === 'Escape') { if (typing) target.blur(); else if (!$('#item-view').hidden) location.hash = '#/queue'; return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!$('#queue-view').hidden) {
      if (e.key === 'j') select(sel + 1); else if (e.key === 'k') select(sel - 1);
      else if (e.key === 'Enter' && queue[sel]) open(queue[sel].id);
    } else if (!$('#item-view').hidden) {
      const a = { r: 'release', b: 'confirm', w: 'waive', s: 'rescan' }[e.key];
      if (a) { e.preventDefault(); if (a === 'rescan') act(a); else { $('#reason').focus(); $('#reason').dataset.pending = a; } }
    }
  });
  $('#reason').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.dataset.pending) { const a = e.target.dataset.pending; delete e.target.dataset.pending; act(a); }
  });
  if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY)); else signOut();
});
