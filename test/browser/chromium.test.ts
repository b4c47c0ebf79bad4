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
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(s: string): unknown;
  querySelectorAll(s: string): { length: number };
};
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

  it('transfers and conferences while the target still rings (Complete on the dialing consultation)', async () => {
    const page = await browser!.newPage();
    const consoleMessages: string[] = [];
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    await page.goto(desk!.url, { waitUntil: 'load', ...WAIT });
    await page.waitForSelector('#status[data-status="open"]', WAIT);
    const partiesOf = (connId: string) => (desk!.pair.call(connId)?.parties ?? []).map((p) => `${p.dn}:${p.state}`).sort();

    for (const kind of ['transfer', 'conference'] as const) {
      const connId = desk!.pair.placeCall('1001', { from: '+15550002' });
      await page.waitForSelector(row(connId, 'ringing'), WAIT);
      await page.click(`${row(connId)} button[data-action="answer"]`);
      await page.waitForSelector(row(connId, 'established'), WAIT);
      await page.click(`${row(connId)} button[data-action="${kind}"]`); // to 1002, the target field's default
      // The consultation rings at 1002; the row says who it is for, and offers to complete.
      await page.waitForSelector('.call[data-state="dialing"] button[data-action="complete"]', WAIT);
      expect(await page.$eval('.call[data-state="dialing"]', (el) => el.textContent ?? '')).toContain('1002');
      await page.click('.call[data-state="dialing"] button[data-action="complete"]');
      if (kind === 'transfer') {
        // 1001 left: the caller's call rings at 1002, and the page has nothing left.
        await page.waitForFunction(() => !document.querySelector('.call'), WAIT);
        expect(partiesOf(connId)).toEqual(['1002:ringing']);
      } else {
        // 1001 stays on the call with 1002 added; the consultation is gone from the page.
        await page.waitForFunction(() => document.querySelectorAll('.call').length === 1, WAIT);
        await page.waitForSelector(row(connId, 'established'), WAIT);
        expect(partiesOf(connId)).toEqual(['1001:established', '1002:ringing']);
        await page.click(`${row(connId)} button[data-action="release"]`);
        await page.waitForFunction(() => !document.querySelector('.call'), WAIT);
      }
      desk!.pair.hangUp(connId);
      expect(await pageErrors(page)).toBe('');
    }
    // No console error, a missing favicon included.
    expect(consoleMessages.filter((m) => m.startsWith('error'))).toEqual([]);
  }, 240_000);
});
