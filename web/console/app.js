// The controlcenter console: login, live host charts from /api/system/metrics, the agents table.
// Plain DOM, no dependencies; data is written with textContent only, never as HTML.
'use strict';

const TOKEN_KEY = 'cc.token';
const HISTORY = 120; // samples kept per chart
const PAGE_SIZE = 25;

const $ = (id) => document.getElementById(id);
const state = { token: null, user: null, socket: null, diskTimer: null, cursors: [null], page: 0 };

// ---- API ----
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data && data.error;
    if (res.status === 401 && state.token && path !== '/api/auth/login') showLogin();
    throw new ApiError(res.status, err ? err.code : 'http_' + res.status, err ? err.message : res.statusText);
  }
  return data;
}

function showError(el, message) {
  el.textContent = message;
  el.hidden = !message;
}

// ---- login / logout ----
function showLogin() {
  stopLive();
  state.token = null;
  state.user = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-username').focus();
}

async function enter(token) {
  state.token = token;
  let who;
  try {
    who = await api('GET', '/api/auth/validate');
  } catch (e) {
    showLogin();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.user = { username: who.username, role: who.role };
  $('who-name').textContent = who.username;
  $('who-role').textContent = who.role;
  const admin = who.role === 'admin';
  $('agent-create').hidden = !admin;
  $('read-only').hidden = admin;
  $('login').hidden = true;
  $('app').hidden = false;
  showView('dashboard');
  startLive();
  loadAgents(true);
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError($('login-error'), '');
  try {
    const res = await api('POST', '/api/auth/login', {
      username: $('login-username').value, password: $('login-password').value,
    });
    $('login-password').value = '';
    await enter(res.token);
  } catch (e) {
    showError($('login-error'), e.message);
  }
});

$('logout').addEventListener('click', async () => {
  try { await api('POST', '/api/auth/logout'); } catch (e) { /* the token is dropped either way */ }
  showLogin();
});

function showView(name) {
  for (const tab of document.querySelectorAll('.tab')) tab.setAttribute('aria-pressed', String(tab.dataset.view === name));
  $('view-dashboard').hidden = name !== 'dashboard';
  $('view-agents').hidden = name !== 'agents';
}
for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showView(tab.dataset.view));

// ---- charts (canvas) ----
const COLORS = ['#2f6fdb', '#d9822b', '#2a9d5c', '#b3261e', '#7b4bd6', '#198a9b', '#8a6d1d', '#c2185b'];

function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w, h };
}

// A time series of one or more lines; `max` null scales to the data.
class LineChart {
  constructor(canvas, names, { max = null, format = (v) => v.toFixed(1) } = {}) {
    this.canvas = canvas; this.names = names; this.max = max; this.format = format;
    this.series = names.map(() => []);
    this.samples = 0;
  }
  push(values) {
    values.forEach((v, i) => { const s = this.series[i]; s.push(v); if (s.length > HISTORY) s.shift(); });
    this.samples += 1;
    this.canvas.dataset.samples = String(this.samples);
    this.draw();
  }
  draw() {
    const { ctx, w, h } = prepare(this.canvas);
    const pad = { l: 44, r: 8, t: 8, b: 18 };
    let top = this.max;
    if (top === null) {
      top = 0;
      for (const s of this.series) for (const v of s) if (v !== null && v > top) top = v;
      top = top > 0 ? top * 1.15 : 1;
    }
    ctx.strokeStyle = '#e3e6eb'; ctx.fillStyle = '#666'; ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + ((h - pad.t - pad.b) * i) / 4;
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
      ctx.fillText(this.format(top * (1 - i / 4)), 2, y + 4);
    }
    const dx = (w - pad.l - pad.r) / (HISTORY - 1);
    this.series.forEach((s, i) => {
      ctx.strokeStyle = COLORS[i % COLORS.length]; ctx.lineWidth = 1.5; ctx.beginPath();
      let started = false;
      s.forEach((v, j) => {
        if (v === null) { started = false; return; }
        const x = pad.l + dx * (HISTORY - s.length + j);
        const y = pad.t + (h - pad.t - pad.b) * (1 - Math.min(v, top) / top);
        if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
      });
      ctx.stroke();
    });
    let x = pad.l;
    this.names.forEach((name, i) => {
      ctx.fillStyle = COLORS[i % COLORS.length]; ctx.fillText(name, x, h - 4); x += ctx.measureText(name).width + 12;
    });
  }
}

// Horizontal bars 0..100 %, one per label.
class BarChart {
  constructor(canvas) { this.canvas = canvas; this.samples = 0; }
  show(labels, percents) {
    this.samples += 1;
    this.canvas.dataset.samples = String(this.samples);
    const { ctx, w, h } = prepare(this.canvas);
    const n = Math.max(labels.length, 1);
    const row = Math.min(24, (h - 4) / n);
    labels.forEach((label, i) => {
      const y = 2 + i * row; const v = percents[i] === null ? 0 : percents[i];
      ctx.fillStyle = '#e3e6eb'; ctx.fillRect(90, y + 2, w - 140, row - 6);
      ctx.fillStyle = COLORS[0]; ctx.fillRect(90, y + 2, ((w - 140) * Math.min(v, 100)) / 100, row - 6);
      ctx.fillStyle = '#333';
      ctx.fillText(label.length > 14 ? label.slice(0, 13) + '…' : label, 2, y + row / 2 + 3);
      ctx.fillText(percents[i] === null ? '–' : v.toFixed(1) + ' %', w - 46, y + row / 2 + 3);
    });
  }
}

const pct = (v) => v.toFixed(0) + ' %';
function bytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
}

const charts = {
  cpu: new LineChart($('chart-cpu'), ['total'], { max: 100, format: pct }),
  cores: new BarChart($('chart-cores')),
  memory: new LineChart($('chart-memory'), ['used'], { max: 100, format: pct }),
  load: new LineChart($('chart-load'), ['1 min', '5 min', '15 min']),
  network: new LineChart($('chart-network'), ['rx/s', 'tx/s'], { format: bytes }),
  disk: new BarChart($('chart-disk')),
};

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function onMetrics(frame) {
  const cpu = frame.cpu || {};
  const mem = frame.memory || {};
  const load = Array.isArray(frame.load) ? frame.load : [];
  const net = frame.network || {};
  charts.cpu.push([num(cpu.percent)]);
  const cores = Array.isArray(cpu.per_core) ? cpu.per_core : [];
  charts.cores.show(cores.map((_, i) => 'core ' + i), cores.map(num));
  charts.memory.push([num(mem.percent)]);
  charts.load.push([num(load[0]), num(load[1]), num(load[2])]);
  charts.network.push([num(net.rx_bytes_per_s), num(net.tx_bytes_per_s)]);
  $('cpu-value').textContent = num(cpu.percent) === null ? '–' : cpu.percent.toFixed(1) + ' %';
  $('memory-value').textContent = num(mem.used_bytes) === null ? '–' : bytes(mem.used_bytes) + ' of ' + bytes(mem.total_bytes);
  $('load-value').textContent = load.map((v) => (num(v) === null ? '–' : v.toFixed(2))).join(' ');
  $('network-value').textContent = num(net.rx_bytes_per_s) === null ? '–'
    : '↓ ' + bytes(net.rx_bytes_per_s) + '/s ↑ ' + bytes(net.tx_bytes_per_s) + '/s';
  $('stream-sampled').textContent = frame.sampled_at || '–';
}

async function loadDisk() {
  try {
    const disk = await api('GET', '/api/system/disk');
    const fs = (disk.filesystems || []).slice(0, 6);
    charts.disk.show(fs.map((f) => f.mount), fs.map((f) => num(f.percent)));
  } catch (e) { /* shown as stale; the next round retries */ }
}

// The metrics stream authenticates with its first message, so the token never sits in a URL.
function connectStream() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(proto + '//' + location.host + '/api/system/metrics');
  state.socket = socket;
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'auth', token: state.token }));
    $('stream-state').textContent = 'live';
  });
  socket.addEventListener('message', (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch (e) { return; }
    if (frame.type === 'metrics') onMetrics(frame);
  });
  socket.addEventListener('close', () => {
    if (state.socket !== socket) return;
    $('stream-state').textContent = 'reconnecting';
    state.socket = null;
    setTimeout(() => { if (state.token && !state.socket) connectStream(); }, 2000);
  });
}

function startLive() {
  connectStream();
  loadDisk();
  state.diskTimer = setInterval(loadDisk, 10000);
}

function stopLive() {
  if (state.socket) { const s = state.socket; state.socket = null; s.close(); }
  if (state.diskTimer) clearInterval(state.diskTimer);
  state.diskTimer = null;
}

// ---- agents ----
function agentQuery(cursor) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const form = new FormData($('agent-filters'));
  for (const [k, v] of form.entries()) if (String(v).trim() !== '') params.set(k, String(v).trim());
  if (cursor) params.set('cursor', cursor);
  return '/api/agents?' + params.toString();
}

async function loadStats() {
  try {
    const s = await api('GET', '/api/agents/stats');
    const box = $('agent-stats');
    box.replaceChildren();
    const add = (label, n, key) => { const el = document.createElement('span'); el.dataset.stat = key; el.textContent = label + ': ' + n; box.append(el); };
    add('total', s.total, 'total');
    for (const [k, n] of Object.entries(s.by_status || {})) add(k, n, 'status.' + k);
    for (const [k, n] of Object.entries(s.by_level || {})) add(k, n, 'level.' + k);
  } catch (e) { showError($('agents-error'), e.message); }
}

async function loadAgents(reset) {
  if (reset) { state.cursors = [null]; state.page = 0; }
  showError($('agents-error'), '');
  loadStats();
  let page;
  try {
    page = await api('GET', agentQuery(state.cursors[state.page]));
  } catch (e) {
    showError($('agents-error'), e.message);
    return;
  }
  const body = $('agents-table').tBodies[0];
  body.replaceChildren();
  for (const a of page.items) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(a.id);
    for (const v of [a.id, a.name, a.level, a.role, a.status, a.project_id, a.last_heartbeat]) {
      const td = document.createElement('td'); td.textContent = v === null || v === undefined ? '–' : String(v); tr.append(td);
    }
    body.append(tr);
  }
  state.cursors[state.page + 1] = page.next_cursor;
  const first = state.page * PAGE_SIZE;
  $('agents-range').textContent = page.items.length === 0 ? 'no agents'
    : (first + 1) + '–' + (first + page.items.length) + ' of ' + (page.total_is_lower_bound ? 'at least ' : '') + page.total;
  $('agents-prev').disabled = state.page === 0;
  $('agents-next').disabled = !page.next_cursor;
}

$('agent-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadAgents(true); });
$('agents-next').addEventListener('click', () => { state.page += 1; loadAgents(false); });
$('agents-prev').addEventListener('click', () => { state.page = Math.max(0, state.page - 1); loadAgents(false); });

$('agent-create').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError($('create-error'), '');
  const form = new FormData(ev.target);
  const body = { name: form.get('name'), level: form.get('level'), role: form.get('role'), status: form.get('status') };
  const project = String(form.get('project_id') || '').trim();
  if (project !== '') body.project_id = Number(project);
  try {
    await api('POST', '/api/agents', body);
    ev.target.reset();
    loadAgents(true);
  } catch (e) {
    showError($('create-error'), e.message);
  }
});

window.addEventListener('resize', () => { for (const c of Object.values(charts)) if (c.draw) c.draw(); });

// ---- start ----
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) enter(saved); else showLogin();
