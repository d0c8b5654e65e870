// The operator console: plain DOM, no framework, no build step. Everything that comes from the
// server is put in the page as text (textContent / text nodes, never HTML), so a tool argument
// such as "<img src=x onerror=...>" is shown, never run. The API key lives in this tab's
// sessionStorage only and goes out as a Bearer token to this same origin.

const KEY_SLOT = 'agentnest.apiKey';
const REFRESH_MS = 2000;
const FINAL = new Set(['completed', 'failed', 'cancelled', 'budget_exceeded', 'blocked']);

const $ = (id) => document.getElementById(id);
let me;
let refreshTimer;
let stream;

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

function notice(message) {
  $('notice').textContent = message;
}

const key = () => sessionStorage.getItem(KEY_SLOT);

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API as the signed-in key; a 401 signs out. */
async function api(path, init = {}) {
  const headers = { authorization: `Bearer ${key()}`, ...(init.body ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(path, { ...init, headers: { ...headers, ...init.headers } });
  if (res.ok) return res.json();
  const body = await res.json().catch(() => ({}));
  const error = new ApiError(res.status, body.error?.code ?? 'error', body.error?.message ?? `HTTP ${res.status}`);
  if (res.status === 401) signOut('That API key was not accepted.');
  throw error;
}

function ago(iso) {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 5 ? 'just now' : relative(s, '', ' ago');
}

function until(iso) {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return s <= 0 ? 'expired' : relative(s, 'in ', '');
}

function relative(s, before, after) {
  const [n, unit] = s < 60 ? [s, 's'] : s < 3600 ? [Math.floor(s / 60), 'min'] : s < 2 * 86400 ? [Math.floor(s / 3600), 'h'] : [Math.floor(s / 86400), 'd'];
  return `${before}${n} ${unit}${after}`;
}

const pretty = (value) => JSON.stringify(value, null, 2);
const when = (iso) => new Date(iso).toLocaleString();

// ---- sign in / out ----

async function signIn(candidate) {
  sessionStorage.setItem(KEY_SLOT, candidate);
  try {
    me = await api('/v1/me');
  } catch (err) {
    if (err.status !== 401) {
      sessionStorage.removeItem(KEY_SLOT);
      notice(`Could not sign in: ${err.message}`);
    }
    return;
  }
  notice('');
  $('who').textContent = `Signed in as ${me.principal} (tenant ${me.tenant}${me.roles.length ? `; roles ${me.roles.join(', ')}` : ''})`;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  await refresh();
  $('approvals-title').focus?.();
}

function signOut(message = '') {
  sessionStorage.removeItem(KEY_SLOT);
  me = undefined;
  clearTimeout(refreshTimer);
  stream?.abort();
  stream = undefined;
  for (const id of ['approvals', 'decided', 'runs', 'events']) $(id).replaceChildren();
  $('events-target').textContent = 'Choose a run or an approval to watch its events live.';
  $('events-status').textContent = '';
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  $('api-key').value = '';
  notice(message);
  $('api-key').focus();
}

// ---- lists ----

async function refresh() {
  clearTimeout(refreshTimer);
  if (!me) return;
  try {
    const [pending, decided, runs] = await Promise.all([api('/v1/approvals?status=pending'), api('/v1/approvals?status=decided'), api('/v1/runs?limit=20')]);
    renderPending(pending.approvals);
    renderDecided(decided.approvals.slice(0, 20));
    renderRuns(runs.runs);
  } catch (err) {
    if (err.status === 401) return;
    notice(`Could not refresh: ${err.message}`);
  }
  if (me) refreshTimer = setTimeout(refresh, REFRESH_MS);
}

/** Pending cards are kept across refreshes (a reason being typed stays); only new ones are added and gone ones removed. */
function renderPending(approvals) {
  const list = $('approvals');
  const ids = new Set(approvals.map((a) => a.approvalId));
  for (const card of [...list.children]) if (!ids.has(card.dataset.approvalId)) card.remove();
  const shown = new Map([...list.children].map((card) => [card.dataset.approvalId, card]));
  approvals.forEach((a, i) => {
    const card = shown.get(a.approvalId) ?? approvalCard(a);
    card.querySelector('.age').textContent = `${ago(a.createdAt)} (${when(a.createdAt)})`;
    card.querySelector('.expiry').textContent = `${until(a.expiresAt)} (${when(a.expiresAt)})`;
    if (list.children[i] !== card) list.insertBefore(card, list.children[i] ?? null);
  });
  $('approvals-empty').hidden = approvals.length > 0;
}

function approvalCard(a) {
  const id = a.approvalId;
  const mine = a.requestedBy.principal === me.principal;
  const mayDecide = !mine || a.selfApproval;
  const reasonId = `reason-${id}`;
  const decide = (decision) => () => decideApproval(a, decision, card);
  const card = el(
    'li',
    { class: 'card', 'data-approval-id': id, 'aria-labelledby': `title-${id}` },
    el('h3', { id: `title-${id}` }, `${a.tool} `, el('span', { class: 'hint' }, `(agent ${a.agent})`)),
    el(
      'dl',
      {},
      el('dt', {}, 'Requested by'),
      el('dd', { class: 'requester' }, a.requestedBy.principal ?? '-'),
      el('dt', {}, 'Requested'),
      el('dd', { class: 'age' }),
      el('dt', {}, 'Expires'),
      el('dd', { class: 'expiry' }),
      el('dt', {}, 'Approvers'),
      el('dd', {}, a.approverRoles.length ? `role ${a.approverRoles.join(' or ')}` : 'any other user of the tenant'),
      el('dt', {}, 'Run'),
      el('dd', {}, a.runId),
    ),
    el('p', { id: `args-label-${id}`, class: 'hint' }, 'Arguments'),
    el('pre', { class: 'args', 'aria-labelledby': `args-label-${id}` }, pretty(a.args)),
  );
  if (mayDecide) {
    card.append(
      el('label', { for: reasonId }, 'Reason (the model sees it with a denial)'),
      el('textarea', { id: reasonId, maxlength: 1000, rows: 2 }),
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', class: 'approve', onclick: decide('approve') }, 'Approve'),
        el('button', { type: 'button', class: 'deny', onclick: decide('deny') }, 'Deny'),
        el('button', { type: 'button', onclick: () => watchApproval(a) }, 'Watch run'),
      ),
    );
  } else {
    card.append(el('p', { class: 'hint' }, 'Your own request: another user of the tenant decides it.'), el('div', { class: 'actions' }, el('button', { type: 'button', onclick: () => watchApproval(a) }, 'Watch run')));
  }
  return card;
}

async function decideApproval(a, decision, card) {
  const buttons = card.querySelectorAll('button');
  buttons.forEach((b) => (b.disabled = true));
  const reason = card.querySelector('textarea')?.value.trim();
  try {
    const decided = await api(`/v1/approvals/${encodeURIComponent(a.approvalId)}`, { method: 'POST', body: JSON.stringify({ decision, ...(reason ? { reason } : {}) }) });
    notice(`${decided.status === 'approved' ? 'Approved' : 'Denied'} ${a.tool} for ${a.requestedBy.principal ?? '-'}: the run continues.`);
    card.remove();
    watchApproval(a);
    await refresh();
  } catch (err) {
    buttons.forEach((b) => (b.disabled = false));
    notice(`Could not ${decision} ${a.tool}: ${err.message}`);
  }
}

function renderDecided(approvals) {
  $('decided').replaceChildren(
    ...approvals.map((a) =>
      el(
        'tr',
        { 'data-approval-id': a.approvalId },
        el('td', {}, a.tool),
        el('td', {}, el('pre', {}, pretty(a.args))),
        el('td', {}, a.requestedBy.principal ?? '-'),
        el('td', { class: `status status-${a.status}` }, a.status),
        el('td', {}, a.decidedBy || (a.reason === 'the approval expired' ? 'expiry' : '-')),
        el('td', {}, a.reason ?? ''),
        el('td', {}, el('button', { type: 'button', onclick: () => watchApproval(a) }, 'Watch run')),
      ),
    ),
  );
  $('decided-table').hidden = approvals.length === 0;
  $('decided-empty').hidden = approvals.length > 0;
}

function renderRuns(runs) {
  $('runs').replaceChildren(
    ...runs.map((r) =>
      el(
        'tr',
        { 'data-run-id': r.runId },
        el('td', { title: r.runId }, r.runId.slice(0, 8)),
        el('td', {}, r.agent),
        el('td', { class: `status status-${r.status}` }, r.status),
        el('td', {}, `${ago(r.createdAt)}`),
        el('td', {}, r.text ?? r.error?.message ?? ''),
        el('td', {}, el('button', { type: 'button', 'aria-label': `Watch run ${r.runId.slice(0, 8)}`, onclick: () => follow(`/v1/runs/${encodeURIComponent(r.runId)}/events`, `Run ${r.runId} (${r.agent})`) }, 'Watch')),
      ),
    ),
  );
  $('runs-table').hidden = runs.length === 0;
  $('runs-empty').hidden = runs.length > 0;
}

// ---- live events ----

function watchApproval(a) {
  return follow(`/v1/approvals/${encodeURIComponent(a.approvalId)}/events`, `Run ${a.runId} (${a.tool} for ${a.requestedBy.principal ?? '-'})`);
}

/** One line per event; consecutive text deltas grow one line. */
function showEvent(e) {
  const list = $('events');
  if (e.type === 'text') {
    const last = list.lastElementChild;
    if (last?.dataset.type === 'text') last.textContent += e.delta;
    else list.append(el('li', { 'data-type': 'text' }, `text: ${e.delta}`));
    return;
  }
  list.append(el('li', { 'data-type': e.type }, describe(e)));
  if (e.type === 'status') {
    $('events-status').textContent = `Run status: ${e.status}`;
    $('events-status').className = `status status-${e.status}`;
  }
}

function describe(e) {
  switch (e.type) {
    case 'status':
      return `status ${e.status}${e.text !== undefined ? ` · reply: ${e.text}` : ''}${e.error ? ` · error ${e.error.code}: ${e.error.message}` : ''}`;
    case 'tool.start':
      return `tool ${e.tool} called with ${JSON.stringify(e.args)}`;
    case 'tool.end':
      return `tool ${e.tool} ${e.isError ? 'failed' : 'returned'}: ${e.result}`;
    case 'approval.requested':
      return `approval requested for ${e.tool} ${JSON.stringify(e.args)} (expires ${when(e.expiresAt)})`;
    case 'approval.decided':
      return `approval ${e.decision === 'approve' ? 'approved' : 'denied'}${e.by ? ` by ${e.by}` : e.expired ? ' (expired)' : ''}${e.reason ? `: ${e.reason}` : ''}`;
    default:
      return `${e.type} ${JSON.stringify(e)}`;
  }
}

/**
 * Streams Server-Sent Events with fetch (EventSource cannot send an Authorization header),
 * reconnecting with Last-Event-ID until the run's final status.
 */
async function follow(path, label) {
  stream?.abort();
  const ctl = (stream = new AbortController());
  $('events').replaceChildren();
  $('events-target').textContent = label;
  $('events-status').textContent = 'Connecting…';
  let lastId = '';
  let finished = false;
  while (!finished && !ctl.signal.aborted) {
    try {
      const res = await fetch(path, { headers: { authorization: `Bearer ${key()}`, ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: ctl.signal });
      if (res.status === 204) break;
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        $('events-status').textContent = `Cannot watch: ${body.error?.message ?? `HTTP ${res.status}`}`;
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (!data) continue;
          lastId = field('id') ?? lastId;
          const event = JSON.parse(data);
          if (ctl.signal.aborted) return;
          showEvent(event);
          if (event.type === 'status' && FINAL.has(event.status)) finished = true;
        }
      }
    } catch {
      if (ctl.signal.aborted) return;
    }
    if (!finished && !ctl.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
  }
  if (!ctl.signal.aborted) refresh();
}

// ---- start ----

$('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const candidate = $('api-key').value.trim();
  if (candidate) signIn(candidate);
});
$('sign-out').addEventListener('click', () => signOut('Signed out.'));
if (key()) signIn(key());
else $('api-key').focus();
