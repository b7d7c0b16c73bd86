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
async function openPage(allow = []) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
  await page.waitForSelector('#agent-create:not([hidden])');
  await page.fill('#agent-create input[name="name"]', 'browser-made-1');
  await page.selectOption('#agent-create select[name="level"]', 'L2');
  await page.fill('#agent-create input[name="role"]', 'builder');
  await page.click('#agent-create button[type="submit"]');
  await page.waitForSelector('#agents-table tbody tr >> text=browser-made-1');
  await page.waitForSelector('#agent-stats [data-stat="total"] >> text=total: 1');

  const token = await login(VIEWER);
  const listed = await http('GET', base + '/api/agents?q=browser-made', { token });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.items.map((a) => [a.name, a.level, a.role]), [['browser-made-1', 'L2', 'builder']]);

  // A duplicate name shows the API's conflict message.
  await page.fill('#agent-create input[name="name"]', 'browser-made-1');
  await page.fill('#agent-create input[name="role"]', 'builder');
  await page.click('#agent-create button[type="submit"]');
  await page.waitForSelector('#create-error:not([hidden])');
  assert.match(await page.textContent('#create-error'), /already exists/);
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
  await page.fill('#agent-filters input[name="role"]', 'pager');
  await page.click('#agent-filters button[type="submit"]');
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
  assert.equal(await page.isHidden('#agent-create'), true);
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

test('no console errors, page errors or third-party requests', () => {
  assert.deepEqual(problems, []);
});
