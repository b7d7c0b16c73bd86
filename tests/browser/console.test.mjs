// The web console in Debian's chromium, driven by playwright-core, against the real daemon on
// port 0 with a temporary state directory. Run by run.sh (CTest: console_browser).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const DAEMON = process.env.CC_DAEMON;
const CHROMIUM = process.env.CC_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.CC_ARTIFACTS || tmpdir();
const ADMIN = { username: 'alice', password: 'alice-password', role: 'admin' };
const VIEWER = { username: 'victor', password: 'victor-password', role: 'viewer' };

let daemon;
let stateDir;
let base; // http://127.0.0.1:<port>
let adminBase;
let browser;
const problems = []; // console errors, page errors and requests off the daemon's origin

async function waitForListeners(file, child) {
  for (let i = 0; i < 750; i++) {
    if (child.exitCode !== null) throw new Error('controlcenterd exited with ' + child.exitCode);
    if (existsSync(file)) {
      try {
        const l = JSON.parse(readFileSync(file, 'utf8'));
        if (l.http) return l;
      } catch { /* written as we read it */ }
    }
    await sleep(20);
  }
  throw new Error('controlcenterd wrote no listeners.json');
}

async function http(method, url, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

async function login(user) {
  const res = await http('POST', base + '/api/auth/login', { body: { username: user.username, password: user.password } });
  assert.equal(res.status, 200);
  return res.json.token;
}

// A fresh browser context: its own sessionStorage. Watches for console errors, page errors and
// any request that leaves the daemon's origin. `allow` names console errors a test expects.
async function openPage(allow = [], { viewport = { width: 1280, height: 900 }, setup = null } = {}) {
  const context = await browser.newContext({ viewport });
  if (setup) await setup(context);
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url || '';
    if (allow.some((a) => msg.text().includes(a.text) && where.endsWith(a.url))) return;
    problems.push('console error: ' + msg.text() + ' (' + where + ')');
  });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.host !== new URL(base).host) problems.push('third-party request: ' + req.url());
  });
  await page.goto(base + '/');
  return { context, page };
}

async function logInThroughPage(page, user) {
  await page.fill('#login-username', user.username);
  await page.fill('#login-password', user.password);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not([hidden])');
}

before(async () => {
  assert.ok(DAEMON, 'CC_DAEMON names the controlcenterd binary');
  stateDir = mkdtempSync(join(tmpdir(), 'cc-browser-'));
  const log = openSync(join(stateDir, 'daemon.log'), 'a');
  daemon = spawn(DAEMON, [
    '-D', 'daemon.state_dir=' + stateDir, '-D', 'http.port=0', '-D', 'admin.port=0',
    '-D', 'ws.metrics_public=false', '-D', 'ws.metrics_interval_ms=200', '-D', 'system.sample_interval_ms=500',
    // Each test logs in afresh from 127.0.0.1: more than the login rule's 5 a minute.
    '-D', 'ratelimit.rule.login.rate=600/m', '-D', 'ratelimit.rule.login.burst=100',
    // The tests and the pages they drive all call from 127.0.0.1, more than one client would.
    '-D', 'ratelimit.rule.api.rate=60000/m', '-D', 'ratelimit.rule.api.burst=2000',
  ], { stdio: ['ignore', log, log] });
  const listeners = await waitForListeners(join(stateDir, 'listeners.json'), daemon);
  base = 'http://' + listeners.http;
  adminBase = 'http://' + listeners.admin;
  const adminToken = readFileSync(join(stateDir, 'admin.token'), 'utf8').trim();
  for (const user of [ADMIN, VIEWER]) {
    const res = await http('POST', adminBase + '/admin/users', { token: adminToken, body: user });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  let exit = daemon ? daemon.exitCode : 0;
  if (daemon && exit === null) {
    const exited = new Promise((resolve) => daemon.once('exit', (code) => resolve(code)));
    daemon.kill('SIGTERM');
    exit = await exited;
  }
  // A clean stop (under ASan: no leak or error report either); the log says why otherwise.
  const log = stateDir ? readFileSync(join(stateDir, 'daemon.log'), 'utf8') : '';
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  assert.equal(exit, 0, 'controlcenterd exited with ' + exit + ':\n' + log.slice(-4000));
});

test('the page and its assets carry a strict CSP, ETags and hashed long-cached names', async () => {
  const res = await fetch(base + '/');
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  const script = html.match(/src="(\/console\/app\.[0-9a-f]{12}\.js)"/);
  assert.ok(script, 'index.html names the hashed app.js');
  const asset = await fetch(base + script[1]);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control'), /max-age=31536000/);
  const again = await fetch(base + script[1], { headers: { 'If-None-Match': asset.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('a wrong password shows the API message', async () => {
  const { context, page } = await openPage([{ text: '401', url: '/api/auth/login' }]);
  await page.fill('#login-username', ADMIN.username);
  await page.fill('#login-password', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.equal(await page.textContent('#login-error'), 'invalid username or password');
  assert.equal(await page.isHidden('#app'), true);
  await context.close();
});

test('an admin logs in, the charts follow the stream, a created agent is listed', async () => {
  // The duplicate below is answered 409, which chromium logs as a failed load.
  const { context, page } = await openPage([{ text: '409', url: '/api/agents' }]);
  await logInThroughPage(page, ADMIN);
  assert.equal(await page.textContent('#who-role'), 'admin');

  // The metrics stream (authenticated by its first message) draws the charts sample by sample.
  await page.waitForFunction(() => Number(document.getElementById('chart-cpu').dataset.samples) >= 3,
    null, { timeout: 20000 });
  assert.match(await page.textContent('#cpu-value'), /^\d+(\.\d)? %$/);
  assert.match(await page.textContent('#stream-state'), /live/);
  assert.ok(Number(await page.getAttribute('#chart-cores', 'data-samples')) >= 3);
  await page.waitForFunction(() => Number(document.getElementById('chart-disk').dataset.samples) >= 1);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  await page.click('.tab[data-view="agents"]');
  await page.waitForSelector('#agents-form:not([hidden])');
  await page.fill('#agents-form input[name="name"]', 'browser-made-1');
  await page.selectOption('#agents-form select[name="level"]', 'L2');
  await page.fill('#agents-form input[name="role"]', 'builder');
  await page.click('#agents-form button[type="submit"]');
  await page.waitForSelector('#agents-table tbody tr >> text=browser-made-1');
  await page.waitForSelector('#agents-stats [data-stat="total"] >> text=total: 1');

  const token = await login(VIEWER);
  const listed = await http('GET', base + '/api/agents?q=browser-made', { token });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.items.map((a) => [a.name, a.level, a.role]), [['browser-made-1', 'L2', 'builder']]);

  // A duplicate name shows the API's conflict message.
  await page.fill('#agents-form input[name="name"]', 'browser-made-1');
  await page.fill('#agents-form input[name="role"]', 'builder');
  await page.click('#agents-form button[type="submit"]');
  await page.waitForSelector('#agents-form .form-error:not([hidden])');
  assert.match(await page.textContent('#agents-form .form-error'), /already exists/);
  await context.close();
});

test('the agents table pages with cursors, never the whole list', async () => {
  const token = await login(ADMIN);
  for (let i = 0; i < 30; i++) {
    const res = await http('POST', base + '/api/agents', { token, body: { name: 'paged-' + String(i).padStart(2, '0'), level: 'L1', role: 'pager' } });
    assert.equal(res.status, 201);
  }
  const { context, page } = await openPage();
  const seen = [];
  page.on('request', (req) => { if (req.url().includes('/api/agents?')) seen.push(new URL(req.url())); });
  await logInThroughPage(page, ADMIN);
  await page.click('.tab[data-view="agents"]');
  await page.fill('#agents-filters input[name="role"]', 'pager');
  await page.click('#agents-filters button[type="submit"]');
  await page.waitForSelector('#agents-range >> text=1–25 of 30');
  await page.click('#agents-next');
  await page.waitForSelector('#agents-range >> text=26–30 of 30');
  assert.equal(await page.locator('#agents-table tbody tr').count(), 5);
  assert.equal(await page.isDisabled('#agents-next'), true);
  await page.click('#agents-prev');
  await page.waitForSelector('#agents-range >> text=1–25 of 30');
  for (const url of seen) assert.equal(url.searchParams.get('limit'), '25');
  assert.ok(seen.some((u) => u.searchParams.has('cursor')), 'the second page is asked for by cursor');
  await context.close();
});

test('a viewer sees the agents read-only, and logout ends the session', async () => {
  const { context, page } = await openPage();
  await logInThroughPage(page, VIEWER);
  assert.equal(await page.textContent('#who-role'), 'viewer');
  await page.click('.tab[data-view="agents"]');
  await page.waitForSelector('#read-only:not([hidden])');
  assert.equal(await page.isHidden('#agents-form'), true);
  await page.waitForSelector('#agents-table tbody tr >> text=browser-made-1');

  const token = await page.evaluate(() => sessionStorage.getItem('cc.token'));
  const refused = await http('POST', base + '/api/agents', { token, body: { name: 'x', level: 'L1', role: 'r' } });
  assert.equal(refused.status, 403);

  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cc.token')), null);
  const after = await http('GET', base + '/api/auth/validate', { token });
  assert.equal(after.status, 401);
  await context.close();
});

// The rows of a table as arrays of cell texts (the actions cell left out).
async function rows(page, table) {
  return page.$$eval(table + ' tbody tr', (trs) => trs.map((tr) =>
    [...tr.cells].filter((td) => !td.classList.contains('actions')).map((td) => td.textContent)));
}

// The row of `table` whose name cell says `name`.
const rowNamed = (page, table, name) => page.locator(table + ' tbody tr', { has: page.locator('td:nth-child(2)', { hasText: new RegExp('^' + name + '$') }) });

test('an admin creates, edits and deletes projects and agents in the page', async () => {
  // Deleting a project agents use is answered 409 first, which chromium logs as a failed load.
  const { context, page } = await openPage([{ text: '409', url: '' }]);
  await logInThroughPage(page, ADMIN);
  await page.click('.tab[data-view="projects"]');
  await page.waitForSelector('#projects-form:not([hidden])');
  await page.fill('#projects-form input[name="name"]', 'apollo-web');
  await page.fill('#projects-form input[name="description"]', 'to the moon');
  await page.click('#projects-form button[type="submit"]');
  await rowNamed(page, '#projects-table', 'apollo-web').waitFor();
  await page.waitForSelector('#projects-stats [data-stat="total"] >> text=total: 1');

  // Edit: the form is filled from the row and sends only what changed.
  await rowNamed(page, '#projects-table', 'apollo-web').locator('button[data-action="edit"]').click();
  assert.equal(await page.getAttribute('#projects-form', 'data-mode'), 'edit');
  assert.equal(await page.inputValue('#projects-form input[name="description"]'), 'to the moon');
  await page.fill('#projects-form input[name="description"]', 'and back');
  await page.selectOption('#projects-form select[name="status"]', 'archived');
  await page.click('#projects-form button[type="submit"]');
  await page.waitForSelector('#projects-table tbody tr >> text=and back');
  assert.equal(await page.getAttribute('#projects-form', 'data-mode'), 'create');
  const token = await login(ADMIN);
  const listed = await http('GET', base + '/api/projects?q=apollo-web', { token });
  assert.deepEqual(listed.json.items.map((p) => [p.name, p.description, p.status]), [['apollo-web', 'and back', 'archived']]);
  const projectId = listed.json.items[0].id;

  // An agent in the project, then edited in the page to another level.
  await page.click('.tab[data-view="agents"]');
  await page.fill('#agents-filters input[name="q"]', 'crew');
  await page.click('#agents-filters button[type="submit"]');
  await page.waitForSelector('#agents-range >> text=no agents');
  await page.fill('#agents-form input[name="name"]', 'crew-1');
  await page.fill('#agents-form input[name="role"]', 'pilot');
  await page.fill('#agents-form input[name="project_id"]', String(projectId));
  await page.click('#agents-form button[type="submit"]');
  await rowNamed(page, '#agents-table', 'crew-1').waitFor();
  await rowNamed(page, '#agents-table', 'crew-1').locator('button[data-action="edit"]').click();
  await page.selectOption('#agents-form select[name="level"]', 'L3');
  await page.click('#agents-form button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll('#agents-table tbody tr')]
    .some((tr) => tr.cells[1].textContent === 'crew-1' && tr.cells[2].textContent === 'L3'));
  const agent = (await http('GET', base + '/api/agents?q=crew-1', { token })).json.items[0];
  assert.deepEqual([agent.level, agent.project_id], ['L3', projectId]);

  // Deleting the project the agent uses: the API's conflict, then a delete with force.
  await page.click('.tab[data-view="projects"]');
  const del = rowNamed(page, '#projects-table', 'apollo-web').locator('button[data-action="delete"]');
  await del.click();
  assert.equal(await del.textContent(), 'Confirm delete');
  await del.click();
  await page.waitForSelector('#projects-error:not([hidden])');
  assert.match(await page.textContent('#projects-error'), /used by 1 agent/);
  assert.equal(await del.textContent(), 'Detach agents and delete');
  await del.click();
  await rowNamed(page, '#projects-table', 'apollo-web').waitFor({ state: 'detached' });
  assert.equal((await http('GET', base + '/api/projects/' + projectId, { token })).status, 404);
  assert.equal((await http('GET', base + '/api/agents/' + agent.id, { token })).json.project_id, null);

  // And the agent itself.
  await page.click('.tab[data-view="agents"]');
  const delAgent = rowNamed(page, '#agents-table', 'crew-1').locator('button[data-action="delete"]');
  await delAgent.click();
  await delAgent.click();
  await rowNamed(page, '#agents-table', 'crew-1').waitFor({ state: 'detached' });
  assert.equal((await http('GET', base + '/api/agents/' + agent.id, { token })).status, 404);
  await context.close();
});

test('agents and projects changed through the API show in the page live, without a reload', async () => {
  const { context, page } = await openPage();
  await logInThroughPage(page, ADMIN);
  await page.click('.tab[data-view="agents"]');
  // Newest first: a created agent belongs on the page shown.
  await page.selectOption('#agents-filters select[name="sort"]', '-id');
  await page.click('#agents-filters button[type="submit"]');
  await page.waitForSelector('#stream-state >> text=live');
  await page.evaluate(() => { window.sameDocument = true; });
  const token = await login(ADMIN);

  const created = await http('POST', base + '/api/agents', { token, body: { name: 'live-1', level: 'L1', role: 'watcher' } });
  assert.equal(created.status, 201);
  await rowNamed(page, '#agents-table', 'live-1').waitFor();
  const patched = await http('PATCH', base + '/api/agents/' + created.json.id, { token, body: { status: 'busy' } });
  assert.equal(patched.status, 200);
  await page.waitForFunction((id) => {
    const tr = document.querySelector('#agents-table tbody tr[data-id="' + id + '"]');
    return tr && tr.cells[4].textContent === 'busy';
  }, created.json.id);
  const beat = await http('POST', base + '/api/agents/' + created.json.id + '/heartbeat', { token });
  assert.equal(beat.status, 200);
  await page.waitForFunction((id) => {
    const tr = document.querySelector('#agents-table tbody tr[data-id="' + id + '"]');
    return tr && tr.cells[6].textContent !== '–';
  }, created.json.id);
  assert.equal((await http('DELETE', base + '/api/agents/' + created.json.id, { token })).status, 204);
  await rowNamed(page, '#agents-table', 'live-1').waitFor({ state: 'detached' });

  // The projects table, read when shown, follows too.
  await page.click('.tab[data-view="projects"]');
  const project = await http('POST', base + '/api/projects', { token, body: { name: 'live-project' } });
  assert.equal(project.status, 201);
  await rowNamed(page, '#projects-table', 'live-project').waitFor();
  // A change while another table is shown is read when that table is shown again.
  await page.click('.tab[data-view="agents"]');
  assert.equal((await http('PATCH', base + '/api/projects/' + project.json.id, { token, body: { description: 'seen later' } })).status, 200);
  await page.click('.tab[data-view="projects"]');
  await page.waitForSelector('#projects-table tbody tr >> text=seen later');
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
  await context.close();
});

test('a resync event, and a reconnection of the stream, re-read the tables', async () => {
  // The page's socket runs through a route that can hold back the agent events and close it.
  const routes = [];
  let holdBack = false;
  const setup = (context) => context.routeWebSocket(/\/api\/system\/ws$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => { if (!(holdBack && /"type"\s*:\s*"agent\./.test(String(m)))) ws.send(m); });
    routes.push({ ws, server });
  });
  const { context, page } = await openPage([], { setup });
  await logInThroughPage(page, ADMIN);
  await page.click('.tab[data-view="agents"]');
  await page.selectOption('#agents-filters select[name="sort"]', '-id');
  await page.click('#agents-filters button[type="submit"]');
  await page.waitForSelector('#stream-state >> text=live');
  const token = await login(ADMIN);
  holdBack = true;

  // Missed by the page: it shows only after a resync.
  assert.equal((await http('POST', base + '/api/agents', { token, body: { name: 'missed-1', level: 'L1', role: 'r' } })).status, 201);
  routes[0].ws.send(JSON.stringify({ type: 'resync' }));
  await rowNamed(page, '#agents-table', 'missed-1').waitFor();

  // Missed while the stream was down: shown once it is back.
  routes[0].ws.close();
  routes[0].server.close();
  await page.waitForSelector('#stream-state >> text=reconnecting');
  assert.equal((await http('POST', base + '/api/agents', { token, body: { name: 'missed-2', level: 'L1', role: 'r' } })).status, 201);
  await page.waitForSelector('#stream-state >> text=live');
  await rowNamed(page, '#agents-table', 'missed-2').waitFor();
  assert.equal(routes.length, 2, 'the page opened a second socket');
  await context.close();
});

test('the system view lists processes with sort and filter, and the host', async () => {
  const { context, page } = await openPage();
  await logInThroughPage(page, VIEWER);
  await page.click('.tab[data-view="system"]');
  await page.waitForSelector('#host-info dd[data-fact="host name"]');
  assert.notEqual(await page.textContent('#host-info dd[data-fact="CPUs"]'), '–');
  await page.waitForSelector('#processes-table tbody tr');
  await page.fill('#processes-filters input[name="q"]', 'controlcenterd');
  await page.selectOption('#processes-filters select[name="sort"]', 'pid');
  await page.selectOption('#processes-filters select[name="order"]', 'asc');
  await page.click('#processes-filters button[type="submit"]');
  await page.waitForFunction(() => {
    const trs = [...document.querySelectorAll('#processes-table tbody tr')];
    return trs.length > 0 && trs.every((tr) => tr.textContent.includes('controlcenterd'));
  });
  const pids = (await rows(page, '#processes-table')).map((r) => Number(r[0]));
  assert.ok(pids.includes(daemon.pid), 'the daemon itself is listed');
  assert.deepEqual(pids, [...pids].sort((a, b) => a - b));
  await context.close();
});

test('a viewer sees no edit or delete controls, nor the daemon state, and the API refuses both', async () => {
  const { context, page } = await openPage();
  await logInThroughPage(page, VIEWER);
  assert.equal(await page.isHidden('.tab[data-view="daemon"]'), true);
  for (const name of ['agents', 'projects']) {
    await page.click('.tab[data-view="' + name + '"]');
    await page.waitForSelector('#' + name + '-table tbody tr');
    assert.equal(await page.isHidden('#' + name + '-form'), true);
    assert.equal(await page.locator('#' + name + '-table button').count(), 0);
  }
  const token = await page.evaluate(() => sessionStorage.getItem('cc.token'));
  const anyAgent = (await http('GET', base + '/api/agents?limit=1', { token })).json.items[0];
  assert.equal((await http('PATCH', base + '/api/agents/' + anyAgent.id, { token, body: { status: 'busy' } })).status, 403);
  assert.equal((await http('DELETE', base + '/api/agents/' + anyAgent.id, { token })).status, 403);
  const state = await http('GET', base + '/api/console/state', { token });
  assert.equal(state.status, 403);
  assert.equal(state.json.error.code, 'forbidden');
  assert.equal((await http('GET', base + '/api/console/state')).status, 401);
  await context.close();
});

test('an admin sees the daemon state: health, breakers, rate limits, cache, pool', async () => {
  const { context, page } = await openPage();
  await logInThroughPage(page, ADMIN);
  await page.click('.tab[data-view="daemon"]');
  await page.waitForSelector('#daemon-checks tbody tr >> text=store');
  assert.match(await page.textContent('#daemon-health'), /^(pass|warn)$/);
  assert.deepEqual((await rows(page, '#daemon-breakers')).map((r) => [r[0], r[1]]), [['db', 'closed']]);
  const rules = (await rows(page, '#daemon-rules')).map((r) => r[0]);
  assert.deepEqual(rules, ['login', 'api']);
  assert.equal(await page.textContent('#daemon-ratelimit'), 'enforce');
  assert.match(await page.textContent('#daemon-cache dd[data-fact="entries"]'), /^\d+ of \d+$/);
  assert.match(await page.textContent('#daemon-pool dd[data-fact="in use"]'), /^\d+$/);
  const token = await login(ADMIN);
  const state = await http('GET', base + '/api/console/state', { token });
  assert.equal(state.status, 200);
  assert.equal(state.headers.get('cache-control'), 'no-store');
  await page.screenshot({ path: join(ARTIFACTS, 'daemon-state.png'), fullPage: true });
  await context.close();
});

test('at 375 px wide the page does not scroll sideways and the tables stay usable', async () => {
  const { context, page } = await openPage([], { viewport: { width: 375, height: 812 } });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await overflow(), 0, 'the login form fits');
  await logInThroughPage(page, ADMIN);
  for (const view of ['dashboard', 'agents', 'projects', 'system', 'daemon']) {
    await page.click('.tab[data-view="' + view + '"]');
    await page.waitForSelector('#view-' + view + ':not([hidden])');
    if (view !== 'dashboard') await page.waitForSelector('#view-' + view + ' tbody tr');
    assert.equal(await overflow(), 0, 'the ' + view + ' view fits in 375 px');
  }
  // A wide table scrolls inside its own box, and its controls are reachable there.
  await page.click('.tab[data-view="agents"]');
  const wrap = await page.$eval('#agents-table', (t) => {
    const box = t.parentElement;
    return { scrolls: box.scrollWidth > box.clientWidth, width: box.getBoundingClientRect().width };
  });
  assert.ok(wrap.width <= 375);
  assert.ok(wrap.scrolls, 'the agents table is wider than the screen and scrolls in its box');
  const edit = page.locator('#agents-table tbody tr').first().locator('button[data-action="edit"]');
  await edit.click();
  assert.equal(await page.getAttribute('#agents-form', 'data-mode'), 'edit');
  await page.click('#agents-form button.cancel');
  await page.click('#agents-next');
  await page.waitForSelector('#agents-range >> text=/^26–/');
  assert.equal(await overflow(), 0);
  await page.screenshot({ path: join(ARTIFACTS, 'narrow.png'), fullPage: true });
  await context.close();
});

test('no console errors, page errors or third-party requests', () => {
  assert.deepEqual(problems, []);
});
