/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../apps/api/src/create-app.js';
import { API_KEYS, KEYS, SECRET } from './harness.js';
import { eventually } from './eventually.js';

// Found (or installed) by the global setup: Debian's chromium, or CHROMIUM_PATH.
const CHROMIUM = process.env.CHROMIUM_PATH!;
// Screenshots for a person to look at (not compared): test/artifacts/console/*.png.
const SHOTS = new URL('./artifacts/console/', import.meta.url);
// No background traffic: this machine's network is closed, and a test must not depend on it.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const XSS = '<img src=x onerror=alert(1)>';

describe('the operator console in a real Chromium', () => {
  let app: INestApplication;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ app } = await createApp({ NODE_ENV: 'test', API_KEYS, CHECKPOINT_SECRET: SECRET, REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `console-${randomUUID()}:`, JOBS_BACKOFF_MS: '10' }, false));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  };
  /** Alice queues a run that pauses for an approval; returns its ids. */
  const pendingRefund = async (message: string) => {
    const { runId } = (await call(KEYS.acmeAlice, 'POST', '/v1/agents/assistant/jobs', { message })).body as { runId: string };
    const run = await eventually(`run ${runId} to pause`, async () => {
      const r = await call(KEYS.acmeAlice, 'GET', `/v1/runs/${runId}`);
      return r.body.status === 'paused' ? r.body : undefined;
    });
    return { runId, approvalId: run.pauseData.approvalId as string };
  };
  const shoot = (page: Page, name: string) => page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
  const signIn = async (page: Page, key: string) => {
    await page.goto(`${base}/console`);
    // The key field has focus on arrival: typing and Enter sign in, no mouse needed.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('api-key');
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
  };

  it('the API docs render under their Content-Security-Policy, with nothing refused', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text());
    });
    const res = await page.goto(`${base}/docs`);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.locator('.opblock').first().waitFor({ state: 'visible' });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    await shoot(page, 'api-docs');
    expect(refused).toEqual([]);
    await page.close();
  });

  it('serves one page with a strict Content-Security-Policy and no inline script or style', async () => {
    const res = await fetch(`${base}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\son\w+=|\sstyle=/);
    expect((await fetch(`${base}/console/console.js`)).headers.get('content-type')).toContain('javascript');
    for (const path of ['/console/index.html', '/console/..%2Fpackage.json', '/console/nope.js']) expect((await fetch(`${base}${path}`)).status).toBe(404);
  });

  it('lets an approver approve and deny from the page and watch each run finish; tool arguments stay text', async () => {
    const approved = await pendingRefund('refund 25');
    const denied = await pendingRefund('refund 999');
    const hostile = await pendingRefund(`refund 12 note: ${XSS}`);

    const context = await browser.newContext();
    // Fail on the step that did not happen, well inside the test's own timeout.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const blocked: string[] = [];
    page.on('console', (m) => blocked.push(m.text()));
    await signIn(page, KEYS.acmeBob);
    await expect(page.locator('#who').textContent()).resolves.toContain('bob (tenant acme');

    const card = (id: string) => page.locator(`li[data-approval-id="${id}"]`);
    await card(hostile.approvalId).waitFor();
    await expect(card(approved.approvalId).locator('pre.args').textContent()).resolves.toBe('{\n  "amount": 25\n}');
    await expect(card(approved.approvalId).locator('.requester').textContent()).resolves.toBe('alice');
    await expect(card(approved.approvalId).locator('.expiry').textContent()).resolves.toMatch(/^in 2[34] h/);
    // The payload is shown as the text it is: no element was made of it, nothing ran.
    await expect(card(hostile.approvalId).locator('pre.args').textContent()).resolves.toContain(`"note": "${XSS}"`);
    await expect(page.locator('#approvals img').count()).resolves.toBe(0);
    // Every field has a label a screen reader announces.
    await expect(page.evaluate(() => [...document.querySelectorAll('input, textarea')].every((e) => (e as HTMLInputElement).labels?.length))).resolves.toBe(true);
    await shoot(page, '1-pending-approvals');

    // Approve with the keyboard: from the reason field, Tab reaches Approve.
    await card(approved.approvalId).getByLabel(/Reason/).focus();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Approve');
    await page.keyboard.press('Enter');
    await page.locator('#events-status', { hasText: 'Run status: completed' }).waitFor();
    await expect(page.locator('#events').textContent()).resolves.toContain('reply: refund said: refunded $25');
    await expect(page.locator('#events-target').textContent()).resolves.toContain(approved.runId);
    await shoot(page, '2-approved-run-completed');

    await card(denied.approvalId).getByLabel(/Reason/).fill('too much for one order');
    await card(denied.approvalId).getByRole('button', { name: 'Deny' }).click();
    await page.locator('#events li', { hasText: 'reply: refund said: denied by bob: too much for one order' }).waitFor();
    await page.locator('#events-status', { hasText: 'Run status: completed' }).waitFor();
    await page.locator(`#decided tr[data-approval-id="${denied.approvalId}"]`, { hasText: 'denied' }).waitFor();
    await page.locator(`#decided tr[data-approval-id="${approved.approvalId}"]`, { hasText: 'approved' }).waitFor();
    await expect(card(approved.approvalId).count()).resolves.toBe(0);
    await shoot(page, '3-denied-run-completed');

    // The key is in this tab's session only: it survives a reload, not a new browser profile, and never in localStorage or a cookie.
    await expect(page.evaluate(() => [sessionStorage.getItem('agentnest.apiKey'), localStorage.length, document.cookie])).resolves.toEqual([KEYS.acmeBob, 0, '']);
    await page.reload();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    const other = await browser.newContext();
    const fresh = await other.newPage();
    await fresh.goto(`${base}/console`);
    await expect(fresh.locator('#sign-in').isVisible()).resolves.toBe(true);
    await other.close();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);

    expect(dialogs).toEqual([]);
    // No script was refused by the CSP either: the page runs nothing inline.
    expect(blocked.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows the requester their runs and own request without approve buttons, and another tenant's key nothing", async () => {
    const mine = await pendingRefund('refund 31');
    const context = await browser.newContext();
    // Fail on the step that did not happen, well inside the test's own timeout.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signIn(page, KEYS.acmeAlice);
    const card = page.locator(`li[data-approval-id="${mine.approvalId}"]`);
    await card.waitFor();
    await expect(card.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    await expect(card.textContent()).resolves.toContain('Your own request');
    await page.locator(`#runs tr[data-run-id="${mine.runId}"]`, { hasText: 'paused' }).waitFor();
    await page.locator('#runs tr', { hasText: 'completed' }).first().waitFor();
    // Watch one of her finished runs: its whole event log replays to the final status.
    await page.locator('#runs tr', { hasText: 'completed' }).first().getByRole('button').click();
    await page.locator('#events-status', { hasText: 'Run status: completed' }).waitFor();
    await shoot(page, '4-requester-runs');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, KEYS.globexAlice);
    await expect(page.locator('#who').textContent()).resolves.toContain('tenant globex');
    await page.locator('#approvals-empty').waitFor({ state: 'visible' });
    await page.locator('#runs-empty').waitFor({ state: 'visible' });
    await page.locator('#decided-empty').waitFor({ state: 'visible' });
    await expect(page.locator('#approvals li, #runs tr, #decided tr').count()).resolves.toBe(0);
    await shoot(page, '5-other-tenant-sees-nothing');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill('not-a-key-of-anyone');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#notice', { hasText: 'That API key was not accepted.' }).waitFor();
    await expect(page.locator('#signed-in').isVisible()).resolves.toBe(false);
    await context.close();
  }, 60_000);
});
