// The controlcenter console: login, live host charts, agents and projects kept live from the
// event stream, processes and host info, and (for admins) the daemon's own state.
// Plain DOM, no dependencies; data is written with textContent only, never as HTML.
'use strict';

const TOKEN_KEY = 'cc.token';
const HISTORY = 120; // samples kept per chart
const PAGE_SIZE = 25;
const POLL_MS = 5000; // the views without a stream (processes, daemon state) while shown

const $ = (id) => document.getElementById(id);
const state = { token: null, user: null, socket: null, timers: [], view: 'dashboard' };
const isAdmin = () => state.user !== null && state.user.role === 'admin';

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

const show = (v) => (v === null || v === undefined || v === '' ? '–' : String(v));

// One table row a datum: `columns` are [{ key, format? }]; `actions(item)` adds a last cell.
function renderRows(table, items, columns, actions) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const item of items) body.append(renderRow(item, columns, actions));
}

function renderRow(item, columns, actions) {
  const tr = document.createElement('tr');
  if (item.id !== undefined) tr.dataset.id = String(item.id);
  for (const c of columns) {
    const td = document.createElement('td');
    td.textContent = show(c.format ? c.format(item[c.key], item) : item[c.key]);
    tr.append(td);
  }
  if (actions) {
    const td = document.createElement('td');
    td.className = 'actions';
    td.append(...actions(item));
    tr.append(td);
  }
  return tr;
}

// A definition list of label → value pairs.
function renderFacts(dl, pairs) {
  dl.replaceChildren();
  for (const [label, value] of pairs) {
    const dt = document.createElement('dt'); dt.textContent = label;
    const dd = document.createElement('dd'); dd.textContent = show(value); dd.dataset.fact = label;
    dl.append(dt, dd);
  }
}

function button(label, action, onClick) {
  const b = document.createElement('button');
  b.type = 'button'; b.textContent = label; b.dataset.action = action;
  b.addEventListener('click', () => onClick(b));
  return b;
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
  // Cosmetic: the API refuses a viewer's writes (403) and the daemon state whatever the page shows.
  for (const el of document.querySelectorAll('.admin-only')) el.hidden = !isAdmin();
  $('read-only').hidden = isAdmin();
  $('login').hidden = true;
  $('app').hidden = false;
  for (const t of tables) t.form && t.form.reset();
  showView('dashboard');
  startLive();
  for (const t of tables) t.load(true);
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

// Views without a stream of their own are read when shown and every POLL_MS while they stay.
const polled = { system: () => { loadHost(); loadProcesses(); }, daemon: () => loadDaemonState() };

function showView(name) {
  state.view = name;
  for (const tab of document.querySelectorAll('.tab')) tab.setAttribute('aria-pressed', String(tab.dataset.view === name));
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== 'view-' + name;
  for (const t of tables) if (t.name === name) t.shown();
  if (polled[name]) polled[name]();
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

// One socket for the charts and the tables: /api/system/ws, authenticated by its first message
// (so the token never sits in a URL), subscribed to metrics and the agent and project events.
// Events missed while it was down are made good by re-reading the tables once it is back.
function connectStream() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(proto + '//' + location.host + '/api/system/ws');
  state.socket = socket;
  socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', token: state.token })));
  socket.addEventListener('message', (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch (e) { return; }
    onFrame(socket, frame);
  });
  socket.addEventListener('close', () => {
    if (state.socket !== socket) return;
    $('stream-state').textContent = 'reconnecting';
    state.socket = null;
    setTimeout(() => { if (state.token && !state.socket) connectStream(); }, 2000);
  });
}

function onFrame(socket, frame) {
  const type = String(frame.type || '');
  if (type === 'authenticated') {
    socket.send(JSON.stringify({ type: 'subscribe', topics: ['metrics', 'agents', 'projects'] }));
  } else if (type === 'subscribed') {
    $('stream-state').textContent = 'live';
    // A first connection follows the tables' first read; a reconnection may have missed events.
    if (state.streamSeen) for (const t of tables) t.reloadSoon();
    state.streamSeen = true;
  } else if (type === 'metrics') {
    onMetrics(frame);
  } else if (type === 'resync') {
    for (const t of tables) t.reloadSoon();
  } else {
    for (const t of tables) t.onEvent(type, frame);
  }
}

function startLive() {
  state.streamSeen = false;
  connectStream();
  loadDisk();
  state.timers.push(setInterval(loadDisk, 10000));
  state.timers.push(setInterval(() => { if (polled[state.view]) polled[state.view](); }, POLL_MS));
}

function stopLive() {
  if (state.socket) { const s = state.socket; state.socket = null; s.close(); }
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
}

// ---- agents and projects: one component for both ----
// A list of the API read a page at a time (filters and sort from its form, `next_cursor` to go
// on, never the whole list), counts above it, and for admins a create/edit form and a delete
// button a row. Events re-read the page shown (a change may move rows across pages or out of the
// filter), at most one read at a time; a heartbeat is applied to its row in place.
class ResourceTable {
  constructor(o) {
    Object.assign(this, o); // name, path, noun, columns, fields, stats, events, forceDelete
    this.table = $(this.name + '-table');
    this.filters = $(this.name + '-filters');
    this.form = new ResourceForm(this);
    this.error = $(this.name + '-error');
    this.cursors = [null];
    this.page = 0;
    this.stale = false;
    this.reading = null;
    this.again = false;
    this.timer = null;
    this.armed = new Map(); // row id -> 'confirm' | 'force': its delete button's next click
    this.filters.addEventListener('submit', (ev) => { ev.preventDefault(); this.load(true); });
    $(this.name + '-next').addEventListener('click', () => { this.page += 1; this.load(false); });
    $(this.name + '-prev').addEventListener('click', () => { this.page = Math.max(0, this.page - 1); this.load(false); });
  }

  query(cursor) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [k, v] of new FormData(this.filters).entries()) if (String(v).trim() !== '') params.set(k, String(v).trim());
    if (cursor) params.set('cursor', cursor);
    return this.path + '?' + params.toString();
  }

  async loadStats() {
    const box = $(this.name + '-stats');
    try {
      const counts = await this.stats();
      box.replaceChildren();
      for (const [key, label, n] of counts) {
        const el = document.createElement('span'); el.dataset.stat = key; el.textContent = label + ': ' + n; box.append(el);
      }
    } catch (e) { showError(this.error, e.message); }
  }

  // Reads the page shown (from its first page with `reset`); a read asked for during another
  // runs once after it.
  load(reset) {
    if (reset) { this.cursors = [null]; this.page = 0; }
    if (this.reading) { this.again = true; return this.reading; }
    this.stale = false;
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (this.again) { this.again = false; this.load(false); }
    });
    return this.reading;
  }

  async read() {
    showError(this.error, '');
    this.loadStats();
    let page;
    try {
      page = await api('GET', this.query(this.cursors[this.page]));
    } catch (e) {
      showError(this.error, e.message);
      return;
    }
    // The last row of a later page went: show the page before instead of an empty one.
    if (page.items.length === 0 && this.page > 0) { this.page -= 1; this.again = true; return; }
    this.items = new Map(page.items.map((item) => [item.id, item]));
    renderRows(this.table, page.items, this.columns, isAdmin() ? (item) => this.actions(item) : null);
    this.cursors[this.page + 1] = page.next_cursor;
    this.cursors.length = this.page + 2;
    const first = this.page * PAGE_SIZE;
    $(this.name + '-range').textContent = page.items.length === 0 ? 'no ' + this.name
      : (first + 1) + '–' + (first + page.items.length) + ' of ' + (page.total_is_lower_bound ? 'at least ' : '') + page.total;
    $(this.name + '-prev').disabled = this.page === 0;
    $(this.name + '-next').disabled = !page.next_cursor;
  }

  // A change seen on the stream: re-read soon, or when next shown.
  reloadSoon() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (state.view === this.name) this.load(false); else this.stale = true;
    }, 200);
  }

  shown() { if (this.stale) this.load(false); }

  onEvent(type, frame) {
    if (!this.events.includes(type.split('.')[0])) return;
    const item = frame[this.noun];
    if (type.endsWith('.heartbeat') && item && this.items && this.items.has(item.id)) {
      this.items.set(item.id, item);
      const old = this.table.querySelector('tbody tr[data-id="' + Number(item.id) + '"]');
      if (old) old.replaceWith(renderRow(item, this.columns, isAdmin() ? (i) => this.actions(i) : null));
      this.loadStats();
      return;
    }
    this.reloadSoon();
  }

  actions(item) {
    const del = button(DELETE_LABELS[this.armed.get(item.id) || 'idle'], 'delete', (b) => this.remove(item, b));
    return [button('Edit', 'edit', () => this.form.edit(item)), del];
  }

  // Two clicks delete (the first arms the button); a project agents still use asks a third
  // time before it is deleted with force, which detaches them. The table keeps the armed rows,
  // so a re-read (a live event) between the clicks does not disarm them.
  async remove(item, b) {
    const armed = this.armed.get(item.id);
    const arm = (mode) => { this.armed.set(item.id, mode); b.textContent = DELETE_LABELS[mode]; };
    if (!armed) { arm('confirm'); return; }
    showError(this.error, '');
    try {
      await api('DELETE', this.path + '/' + item.id + (armed === 'force' ? '?force=true' : ''));
      this.armed.delete(item.id);
      if (this.form.editing && this.form.editing.id === item.id) this.form.reset();
      this.load(false);
    } catch (e) {
      showError(this.error, e.message);
      if (this.forceDelete && e.code === 'conflict' && armed !== 'force') arm('force');
    }
  }
}

const DELETE_LABELS = { idle: 'Delete', confirm: 'Confirm delete', force: 'Detach agents and delete' };

// The create form of a table, which also edits a row: PATCH with only the fields changed.
class ResourceForm {
  constructor(table) {
    this.table = table;
    this.el = $(table.name + '-form');
    this.error = this.el.querySelector('.form-error');
    this.editing = null;
    this.el.addEventListener('submit', (ev) => { ev.preventDefault(); this.submit(); });
    this.el.querySelector('.cancel').addEventListener('click', () => this.reset());
  }

  value(field) {
    const raw = String(this.el.elements[field.name].value).trim();
    if (field.number) return raw === '' ? null : Number(raw);
    return raw;
  }

  body() {
    const out = {};
    for (const f of this.table.fields) {
      const v = this.value(f);
      if (this.editing) {
        if (v !== (this.editing[f.name] === undefined ? null : this.editing[f.name])) out[f.name] = v;
      } else if (v !== null) {
        out[f.name] = v;
      }
    }
    return out;
  }

  async submit() {
    showError(this.error, '');
    try {
      if (this.editing) {
        await api('PATCH', this.table.path + '/' + this.editing.id, this.body());
      } else {
        await api('POST', this.table.path, this.body());
      }
      this.reset();
      this.table.load(false);
    } catch (e) {
      showError(this.error, e.message);
    }
  }

  edit(item) {
    this.editing = item;
    for (const f of this.table.fields) this.el.elements[f.name].value = show(item[f.name]) === '–' ? '' : String(item[f.name]);
    this.mode('edit');
    this.el.elements[this.table.fields[0].name].focus();
  }

  reset() {
    this.editing = null;
    this.el.reset();
    showError(this.error, '');
    this.mode('create');
  }

  mode(m) {
    this.el.dataset.mode = m;
    for (const el of this.el.querySelectorAll('[data-create]')) el.textContent = el.dataset[m];
    this.el.querySelector('.cancel').hidden = m !== 'edit';
  }
}

const tables = [
  new ResourceTable({
    name: 'agents', path: '/api/agents', noun: 'agent', events: ['agent', 'agents', 'project'],
    columns: [{ key: 'id' }, { key: 'name' }, { key: 'level' }, { key: 'role' }, { key: 'status' },
      { key: 'project_id' }, { key: 'last_heartbeat' }],
    fields: [{ name: 'name' }, { name: 'level' }, { name: 'role' }, { name: 'status' }, { name: 'project_id', number: true }],
    stats: async () => {
      const s = await api('GET', '/api/agents/stats');
      return [['total', 'total', s.total],
        ...Object.entries(s.by_status || {}).map(([k, n]) => ['status.' + k, k, n]),
        ...Object.entries(s.by_level || {}).map(([k, n]) => ['level.' + k, k, n])];
    },
  }),
  new ResourceTable({
    name: 'projects', path: '/api/projects', noun: 'project', events: ['project', 'projects'], forceDelete: true,
    columns: [{ key: 'id' }, { key: 'name' }, { key: 'status' }, { key: 'description' }, { key: 'path' }, { key: 'updated_at' }],
    fields: [{ name: 'name' }, { name: 'description' }, { name: 'status' }, { name: 'path' }],
    // No stats route: the list's total is an exact maintained count without a filter or with
    // status alone, so a one-row page each gives the counts.
    stats: async () => {
      const count = async (q) => (await api('GET', '/api/projects?limit=1' + q)).total;
      const [total, active, archived] = await Promise.all([count(''), count('&status=active'), count('&status=archived')]);
      return [['total', 'total', total], ['status.active', 'active', active], ['status.archived', 'archived', archived]];
    },
  }),
];

// ---- system: host info and processes ----
async function loadHost() {
  try {
    const h = await api('GET', '/api/system/info');
    renderFacts($('host-info'), [['host name', h.hostname], ['operating system', h.os], ['kernel', h.kernel],
      ['architecture', h.architecture], ['CPU', h.cpu_model], ['CPUs', h.cpu_count],
      ['memory', num(h.memory_total_bytes) === null ? null : bytes(h.memory_total_bytes)], ['booted', h.boot_time],
      ['uptime', num(h.uptime_s) === null ? null : duration(h.uptime_s)]]);
  } catch (e) { showError($('processes-error'), e.message); }
}

function duration(s) {
  const d = Math.floor(s / 86400); const h = Math.floor((s % 86400) / 3600); const m = Math.floor((s % 3600) / 60);
  return (d ? d + ' d ' : '') + h + ' h ' + m + ' min';
}

async function loadProcesses() {
  const params = new URLSearchParams({ limit: '100' });
  for (const [k, v] of new FormData($('processes-filters')).entries()) if (String(v).trim() !== '') params.set(k, String(v).trim());
  try {
    const list = await api('GET', '/api/system/processes?' + params.toString());
    showError($('processes-error'), '');
    renderRows($('processes-table'), list.processes, [{ key: 'pid' }, { key: 'name' }, { key: 'user' }, { key: 'state' },
      { key: 'cpu_percent', format: (v) => (num(v) === null ? null : v.toFixed(1)) },
      { key: 'rss_bytes', format: (v) => (num(v) === null ? null : bytes(v)) }, { key: 'threads' }, { key: 'cmdline' }]);
    $('processes-range').textContent = list.processes.length + ' of ' + list.total + ' processes, sampled ' + show(list.sampled_at);
  } catch (e) { showError($('processes-error'), e.message); }
}
$('processes-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadProcesses(); });

// ---- the daemon's own state (admins) ----
async function loadDaemonState() {
  if (!isAdmin()) return;
  let s;
  try {
    s = await api('GET', '/api/console/state');
  } catch (e) {
    showError($('daemon-error'), e.message);
    return;
  }
  showError($('daemon-error'), '');
  $('daemon-health').textContent = s.health.status;
  renderRows($('daemon-checks'), Object.entries(s.health.checks || {}).map(([name, c]) => ({ name, ...c })),
    [{ key: 'name' }, { key: 'status' }, { key: 'output' }]);
  renderRows($('daemon-breakers'), s.breakers, [{ key: 'name' }, { key: 'state' }, { key: 'since' },
    { key: 'failures' }, { key: 'rejections' }, { key: 'opened_total' }]);
  const rl = s.ratelimit;
  $('daemon-ratelimit').textContent = rl.enabled ? rl.mode : 'off';
  renderRows($('daemon-rules'), rl.rules || [], [{ key: 'name' }, { key: 'rate' }, { key: 'burst' }, { key: 'key' },
    { key: 'admitted' }, { key: 'rejected' }, { key: 'keys' },
    { key: 'top_keys', format: (v) => (Array.isArray(v) && v.length ? v[0].key + ' (' + v[0].requests + ')' : null) }]);
  const c = s.cache;
  renderFacts($('daemon-cache'), [['entries', c.entries + ' of ' + c.max_entries], ['bytes', bytes(c.bytes)],
    ['hits', c.hits], ['misses', c.misses], ['coalesced', c.coalesced], ['evictions', c.evictions], ['timeouts', c.timeouts]]);
  const p = s.pool;
  renderFacts($('daemon-pool'), [['sessions', p.size + ' (min ' + p.min + ', max ' + p.max + ')'], ['in use', p.in_use],
    ['idle', p.idle], ['waiting', p.waiting], ['acquired', p.acquired_total], ['timeouts', p.timeouts_total],
    ['write batches', p.writer ? p.writer.batches_total : null], ['writes queued', p.writer ? p.writer.queued : null]]);
}

window.addEventListener('resize', () => { for (const c of Object.values(charts)) if (c.draw) c.draw(); });

// ---- start ----
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) enter(saved); else showLogin();
