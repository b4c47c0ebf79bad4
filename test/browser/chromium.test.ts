/**
 * The web desktop example in real headless Chromium (Debian's `chromium`, installed by .ci/run;
 * nothing is downloaded at run time), driven with puppeteer-core: the page shows a call placed in
 * the simulator, its Answer button reaches the simulator as RequestAnswerCall through the gateway,
 * the call stays on the page across a kill of the primary (after the resync, no reload), and the
 * page reconnects by itself to a second gateway and shows the same call.
 *
 * Waits are generous and have no upper bound on elapsed time beyond the test's timeout: this runs
 * on a busy 2-core machine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebDesktop, type WebDesktop } from '../../examples/web-desktop/server.js';
import { until } from '../ha/helpers.js';

/** What the page-side functions below use of the DOM (the project's tsconfig has no DOM library). */
declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelector(s: string): unknown };
declare const window: { mark?: number };

const CHROMIUM = '/usr/bin/chromium';
const WAIT = { timeout: 60_000 };

let desk: WebDesktop | undefined;
let browser: Browser | undefined;
let profile: string | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  desk = await startWebDesktop();
  profile = await mkdtemp(path.join(os.tmpdir(), 'tlib-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: false, // the flags below say it: --headless as given, not puppeteer's own variant
    userDataDir: profile,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-zygote', // no zygote helpers left behind (as zombies) after close()
    ],
    protocolTimeout: 120_000,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await desk?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
}, 60_000);

const row = (connId: string, state?: string) => `.call[data-connid="${connId}"]${state ? `[data-state="${state}"]` : ''}`;

async function pageErrors(page: Page): Promise<string> {
  return page.$eval('#error', (el) => el.textContent ?? '');
}

describe('web desktop in headless Chromium', () => {
  it('shows a call, answers it through the gateway, keeps it across a failover and across a gateway replaced', async () => {
    const page = await browser!.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await page.goto(desk!.url, { waitUntil: 'load', ...WAIT });
    await page.waitForSelector('#status[data-status="open"]', WAIT);
    expect(await page.$eval('#dn', (el) => el.textContent)).toBe('1001');
    // A mark on the page: a reload would lose it.
    await page.evaluate(() => {
      window.mark = 42;
    });

    const connId = desk!.pair.placeCall('1001', { from: '+15550001' });
    await page.waitForSelector(row(connId, 'ringing'), WAIT);

    const answers = () => desk!.pair.primary.requestCounts().RequestAnswerCall ?? 0;
    const before = answers();
    await page.click(`${row(connId)} button[data-action="answer"]`);
    await page.waitForSelector(row(connId, 'established'), WAIT);
    expect(answers()).toBe(before + 1);
    expect(desk!.pair.call(connId)?.parties.find((p) => p.dn === '1001')?.state).toBe('established');

    // Kill the primary: the gateway's connection fails over and resyncs; the page follows.
    await desk!.pair.killPrimary();
    await page.waitForFunction(() => document.getElementById('log')?.textContent?.includes('resynced'), WAIT);
    await page.waitForSelector(row(connId, 'established'), WAIT);
    expect(await page.evaluate(() => window.mark)).toBe(42);

    // The gateway dies; a second one (its own connection, nothing shared) starts on the same address.
    await desk!.stopGateway();
    await page.waitForSelector('#status[data-status="reconnecting"]', WAIT);
    await desk!.startGateway();
    await page.waitForSelector('#status[data-status="open"]', WAIT);
    await page.waitForSelector(row(connId, 'established'), WAIT);
    expect(await page.evaluate(() => window.mark)).toBe(42);
    await until(() => desk!.gateway.stats.attached === 1, 'the page attached to the second gateway', 60_000);

    // The second gateway serves requests too: release the call from the page.
    await page.click(`${row(connId)} button[data-action="release"]`);
    await page.waitForFunction((id) => !document.querySelector(`.call[data-connid="${id}"]`), WAIT, connId);
    expect(desk!.pair.call(connId)).toBeUndefined();
    expect(await pageErrors(page)).toBe('');
    expect(consoleErrors).toEqual([]);
  }, 240_000);
});
