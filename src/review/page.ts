// The reviewer's page at /-/review/: one HTML shell, one stylesheet, one script, served as plain
// strings (no bundler, no network build step). The shell holds no data: everything comes from the
// API with the token the reviewer typed, kept in sessionStorage and sent as a Bearer header
// (never a cookie, so another site cannot act with it). A strict CSP forbids inline script.
import type { Hono } from 'hono';
import { presentedToken } from '../auth/middleware.js';
import { verifyToken } from '../auth/tokens.js';
import type { ReviewStore } from '../store/review.js';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pywarden review</title>
<link rel="stylesheet" href="/-/review/app.css">
<script type="module" src="/-/review/app.js"></script>
</head>
<body>
<header>
  <h1>pywarden <span>review</span></h1>
  <nav id="nav" hidden>
    <a href="#/queue">Queue</a>
    <a href="#/policy">Policy</a>
    <span id="who"></span>
    <button id="signout" type="button">Sign out</button>
  </nav>
</header>
<main>
  <section id="signin" hidden>
    <h2>Sign in</h2>
    <form id="signin-form">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" placeholder="pyw_..." required autofocus>
      <button type="submit">Sign in</button>
      <p class="hint">Create one with <code>pywarden token create --role reviewer --name you</code>.</p>
      <p id="signin-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="queue-view" hidden>
    <div class="overview">
      <h2>Last 14 days</h2>
      <div id="chart" aria-label="files scanned, held, released and blocked per day"></div>
    </div>
    <form id="filters" class="filters">
      <label>State <select name="state">
        <option value="quarantined,blocked,error">held</option>
        <option value="quarantined">quarantined</option>
        <option value="blocked">blocked</option>
        <option value="error">error</option>
        <option value="released">released</option>
        <option value="confirmed">confirmed</option>
        <option value="cleared">cleared</option>
      </select></label>
      <label>Project <input name="project" size="14"></label>
      <label>Rule <input name="rule" size="14"></label>
      <label>Since <input name="since" type="date"></label>
      <label>Order <select name="order">
        <option value="score">risk score</option>
        <option value="outlier">outlier rank</option>
        <option value="newest">newest</option>
        <option value="requested">most requested</option>
      </select></label>
      <button type="submit">Filter</button>
    </form>
    <p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open, <kbd>Esc</kbd> back, <kbd>r</kbd> release, <kbd>b</kbd> confirm block, <kbd>w</kbd> waive, <kbd>s</kbd> rescan.</p>
    <table id="queue">
      <thead><tr><th>Id</th><th>File</th><th>State</th><th>Verdict</th><th>Score</th><th>Rules</th><th>Requests</th><th>Held since</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="queue-empty" hidden>Nothing is held. </p>
  </section>
  <section id="item-view" hidden>
    <p><a href="#" id="back">&larr; Queue</a></p>
    <h2 id="item-title" tabindex="-1"></h2>
    <dl id="item-facts" class="facts"></dl>
    <div class="actions" id="actions">
      <label for="reason">Why</label>
      <input id="reason" size="50" placeholder="justification (required)">
      <button type="button" data-action="release" title="r">Release</button>
      <button type="button" data-action="confirm" title="b">Confirm block</button>
      <label for="waive-days">Waive for</label>
      <input id="waive-days" type="number" min="1" max="366" value="30" size="4"> days
      <select id="waive-scope"><option value="sha256">this file</option><option value="version">this version</option><option value="project">the project</option></select>
      <button type="button" data-action="waive" title="w">Waive</button>
      <button type="button" data-action="rescan" title="s">Rescan</button>
      <p id="action-status" role="status"></p>
    </div>
    <h3>Findings</h3>
    <div id="findings"></div>
    <h3>Who asked for it</h3>
    <table id="askers"><thead><tr><th>Client</th><th>User agent</th><th>Times</th><th>Last</th></tr></thead><tbody></tbody></table>
    <h3>History</h3>
    <table id="history"><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Previous</th><th>Why</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="policy-view" hidden>
    <h2>Waivers</h2>
    <table id="waivers"><thead><tr><th>Id</th><th>Scope</th><th>Until</th><th>Why</th><th>Who</th><th></th></tr></thead><tbody></tbody></table>
    <h2>Allow and deny lists</h2>
    <form id="list-form" class="filters">
      <label>List <select name="list"><option>deny</option><option>allow</option></select></label>
      <label>Kind <select name="kind"><option value="projects">project</option><option value="versions">project==version</option><option value="sha256">sha256</option></select></label>
      <label>Value <input name="value" size="30" required></label>
      <label>Why <input name="reason" size="30"></label>
      <button type="submit">Add</button>
    </form>
    <table id="lists"><thead><tr><th>Id</th><th>List</th><th>Kind</th><th>Value</th><th>Why</th><th>Who</th><th></th></tr></thead><tbody></tbody></table>
    <h2>Rule modes</h2>
    <form id="rule-form" class="filters">
      <label>Rule id <input name="rule" size="24" required></label>
      <label>Mode <select name="mode"><option>monitor</option><option>enforce</option></select></label>
      <label>Why <input name="reason" size="30"></label>
      <button type="submit">Set</button>
    </form>
    <table id="rules"><thead><tr><th>Rule</th><th>Mode</th><th>Who</th><th>Since</th></tr></thead><tbody></tbody></table>
    <p id="policy-status" role="status"></p>
  </section>
</main>
</body>
</html>
`;

const CSS = `
:root { --fg:#1d232b; --muted:#5b6673; --line:#d7dde4; --bg:#f7f8fa; --accent:#1f5fbf; --bad:#b3261e; --warn:#9a6700; --ok:#1a7f37; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; justify-content:space-between; align-items:center; padding:.6rem 1.2rem; background:#fff; border-bottom:1px solid var(--line); }
h1 { font-size:1.1rem; margin:0; } h1 span { color:var(--muted); font-weight:400; }
main { padding:1rem 1.2rem; max-width:1200px; }
h2 { font-size:1.05rem; } h3 { font-size:.95rem; margin-top:1.4rem; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:.8rem; text-transform:uppercase; }
#queue tbody tr { cursor:pointer; }
#queue tbody tr:hover, #queue tbody tr.sel { background:#e8f0fd; }
#queue tbody tr:focus { outline:2px solid var(--accent); outline-offset:-2px; }
.state { font-weight:600; } .state-blocked, .state-confirmed { color:var(--bad); } .state-quarantined, .state-error { color:var(--warn); } .state-released, .state-cleared { color:var(--ok); }
.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:end; margin:.6rem 0; }
.filters label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); }
input, select, button { font:inherit; padding:.25rem .45rem; }
button { border:1px solid var(--line); background:#fff; border-radius:4px; cursor:pointer; }
button:hover, button:focus { border-color:var(--accent); }
.actions { background:#fff; border:1px solid var(--line); padding:.6rem; border-radius:4px; display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; }
.actions p { flex-basis:100%; margin:.2rem 0 0; }
.facts { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; background:#fff; padding:.6rem; border:1px solid var(--line); border-radius:4px; }
.facts dt { color:var(--muted); } .facts dd { margin:0; word-break:break-all; }
.finding { background:#fff; border:1px solid var(--line); border-left:4px solid var(--warn); margin:.6rem 0; padding:.5rem .7rem; border-radius:4px; }
.finding.sev-high, .finding.sev-critical { border-left-color:var(--bad); }
.finding header { display:block; padding:0; border:0; background:none; }
.finding .rule { font-weight:600; } .finding .where { color:var(--muted); font-family:ui-monospace, monospace; }
pre.code { margin:.4rem 0 0; background:#0f1419; color:#d6dde6; padding:.4rem 0; overflow:auto; border-radius:3px; font:12px/1.5 ui-monospace, monospace; }
pre.code .ln { display:block; padding:0 .6rem; white-space:pre; }
pre.code .ln::before { content:attr(data-n); display:inline-block; width:3.2em; color:#6b7785; }
pre.code .hit { background:#5a1d1d; color:#fff; }
nav a { margin-right:.8rem; color:var(--accent); }
#policy-view h2 { margin-top:1.2rem; }
.error { color:var(--bad); } .hint, .keys { color:var(--muted); }
kbd { border:1px solid var(--line); border-bottom-width:2px; border-radius:3px; padding:0 .3em; background:#fff; font-size:.8rem; }
.overview { background:#fff; border:1px solid var(--line); border-radius:4px; padding:.4rem .8rem; }
.overview h2 { margin:.2rem 0; font-size:.9rem; color:var(--muted); }
#chart svg { max-width:100%; height:auto; }
#chart svg text { font-size:10px; fill:var(--muted); }
#signin form { display:flex; flex-direction:column; gap:.5rem; max-width:28rem; }
`;

// The page script: plain ES module, no framework. Text goes through textContent only (no innerHTML
// with data), so a hostile file name or code line cannot inject markup.
const JS = `
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

async function loadQueue() {
  const f = new FormData($('#filters'));
  const q = new URLSearchParams();
  for (const [k, v] of f) if (v) q.set(k, v);
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
      el('td', { text: it.rules.join(', ') }),
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
  const rows = [...document.querySelectorAll('#queue tbody tr')];
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
    ['Uploaded', it.file.uploadTime || 'unknown'], ['Verdict', it.verdict ? it.verdict.verdict + ' (score ' + it.verdict.score.toFixed(2) + ', scanner ' + it.verdict.scannerVersion + ')' : 'none'],
    ['Policy now', it.policy.action + ' (' + it.policy.source + ': ' + it.policy.reason + ')'],
    ['Known malicious', it.advisories.length ? it.advisories.map((a) => a.id + ': ' + a.summary + (a.references.length ? ' (' + a.references[0].url + ')' : '')).join('; ') : 'no advisory lists it'],
    ['Requests', String(it.file.requests)], ['Origin', it.file.origin], ['Upstream status', it.upstream.projectStatus],
    ['Model', it.model ? it.model.score.toFixed(3) + (it.model.top.length ? ' — ' + it.model.top.map((t) => t.feature + ' (+' + t.contribution.toFixed(3) + ')').join(', ') : '') : 'no model'],
    ['Outlier rank / family', it.cluster ? (it.cluster.outlierRank ?? '-') + ' / ' + (it.cluster.family ?? '-') : 'not ranked'],
  ];
  $('#item-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
  $('#findings').replaceChildren(...(it.findings.length ? it.findings.map(finding) : [el('p', { text: 'No findings recorded (a verdict of error or a model-only score).' })]));
  $('#askers tbody').replaceChildren(...it.askedBy.map((a) => el('tr', {}, el('td', { text: a.client || '' }), el('td', { text: a.userAgent || '' }), el('td', { text: String(a.count) }), el('td', { text: fmtDate(a.last) }))));
  $('#history tbody').replaceChildren(...it.history.map((h) => el('tr', {}, el('td', { text: fmtDate(h.decided_at) }), el('td', { text: h.actor }), el('td', { text: h.action + (h.expires_at ? ' until ' + fmtDate(h.expires_at) : '') }), el('td', { text: h.previous || '' }), el('td', { text: h.reason || '' }))));
  $('#action-status').textContent = '';
  // Focus the title, not an input, so the single-key shortcuts work at once.
  $('#item-title').focus();
}

function finding(f) {
  const box = el('div', { class: 'finding sev-' + f.severity },
    el('header', {}, el('span', { class: 'rule', text: f.rule + ' ' }), el('span', { text: '[' + f.severity + '] ' }), el('span', { class: 'where', text: (f.path || '(archive)') + (f.line ? ':' + f.line : '') })),
    el('p', { text: f.message }));
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
  const m = /^#\\/item\\/(Q-\\d+)$/.exec(location.hash);
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
    policyAct(() => api('rules/' + encodeURIComponent(f.rule), { method: 'PUT', body: { mode: f.mode, reason: f.reason } }), 'Rule ' + f.rule + ' is now ' + f.mode + '.');
  });
  for (const b of document.querySelectorAll('[data-action]')) b.addEventListener('click', () => act(b.dataset.action));
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (e) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (e.key === 'Escape') { if (typing) e.target.blur(); else if (!$('#item-view').hidden) location.hash = '#/queue'; return; }
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
`;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * The page answers 401 (`WWW-Authenticate: Bearer`) unless the request carries a valid token, as the
 * API does. A browser's navigation never carries one (the token lives in sessionStorage, not in a
 * cookie), so a browser always receives the 401 whose body is the sign-in shell; Bearer, unlike
 * Basic, makes no browser show a password prompt. The shell holds no data: the queue, items and
 * audit come only from the API with the token. A client that sends a valid token gets a 200.
 */
export function mountReviewPage(app: Hono, reviews: ReviewStore): void {
  app.get('/-/review', (c) => c.redirect('/-/review/', 301));
  app.get('/-/review/', async (c) => {
    const token = presentedToken(c.req.header('authorization'), false);
    const signedIn = token !== null && (await verifyToken(reviews.tokens, token)) !== null;
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' };
    if (!signedIn) headers['www-authenticate'] = 'Bearer realm="pywarden review"';
    return c.body(HTML, signedIn ? 200 : 401, headers);
  });
  app.get('/-/review/app.js', (c) => c.body(JS, 200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/-/review/app.css', (c) => c.body(CSS, 200, { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' }));
}
