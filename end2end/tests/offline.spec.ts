import { expect, test } from '@playwright/test';
import {
  expectMediaFlowing,
  guestJoins,
  hostMeeting,
  inboundStats,
  remoteTile,
  selectedPairs,
} from './helpers';
import { StallableProxy, TurnProcess } from './network';
import { E2E_PORT, SPARE_TURN } from './servers';

// In Chromium, `context.setOffline(true)` only fails new HTTP requests:
// the signaling WebSocket and WebRTC media carry on as if nothing had
// happened. So that the participant's network really goes away, her page
// is loaded through a proxy that stalls, and her media goes through a TURN
// relay of her own that is frozen for the outage (see ./network.ts).

const OUTAGE_MS = 3_000;
const RECOVERY_MS = 10_000;

test('a participant offline for 3 s is back in the call without reloading', async ({
  browser,
}) => {
  test.setTimeout(120_000);

  const relay = new TurnProcess(SPARE_TURN);
  const link = new StallableProxy({ host: '127.0.0.1', port: E2E_PORT });
  await relay.start();
  const viaLink = await link.start();
  try {
    const host = await hostMeeting(browser, 'Hans', 'Flaky network');
    const olga = await guestJoins(browser, `${viaLink}${host.roomPath}`, 'Olga', {
      relayOnly: true,
      turnUrl: SPARE_TURN.url,
    });
    const carl = await guestJoins(browser, host.roomPath, 'Carl');
    const everyone = [
      { page: host.page, who: 'host' },
      { page: olga.page, who: 'Olga' },
      { page: carl.page, who: 'Carl' },
    ];
    for (const { page, who } of everyone) await expectMediaFlowing(page, 2, who);
    // Olga's media does go through her own relay.
    for (const pair of await selectedPairs(olga.page)) {
      expect(pair?.local.candidateType).toBe('relay');
      expect(pair?.local.port).toBeGreaterThanOrEqual(SPARE_TURN.minPort);
      expect(pair?.local.port).toBeLessThanOrEqual(SPARE_TURN.maxPort);
    }
    await olga.page.evaluate(() => {
      (window as any).__beforeOutage = true;
    });

    // Olga's network goes away for 3 s.
    const received = async () =>
      (await inboundStats(olga.page)).reduce((sum, s) => sum + s.audioBytes + s.videoBytes, 0);
    const startedAt = Date.now();
    await olga.context.setOffline(true);
    link.stall();
    relay.freeze();
    await olga.page.waitForTimeout(1_000);
    const early = await received();
    await olga.page.waitForTimeout(Math.max(0, OUTAGE_MS - 500 - (Date.now() - startedAt)));
    const late = await received();
    await olga.page.waitForTimeout(Math.max(0, OUTAGE_MS - (Date.now() - startedAt)));
    relay.thaw();
    link.restore();
    await olga.context.setOffline(false);
    const backAt = Date.now();
    // It was a real outage: nothing reached her.
    expect(late, 'no media reached Olga while she was offline').toBe(early);

    // Within 10 s of coming back: no "Reconnecting…" anywhere, everyone
    // sees everyone connected, and media flows again in both directions.
    const left = () => Math.max(1, RECOVERY_MS - (Date.now() - backAt));
    for (const { page, who } of everyone) {
      await expect(page.getByTestId('reconnecting'), `${who}: no reconnecting status`).toHaveCount(
        0,
        { timeout: left() },
      );
      await expect(page.getByText('Reconnecting…'), `${who}: no reconnecting badge`).toHaveCount(
        0,
        { timeout: left() },
      );
      await expect(page.getByTestId('remote-tile'), `${who} sees both others`).toHaveCount(2, {
        timeout: left(),
      });
    }
    for (const name of ['Hans', 'Carl']) {
      await expect(remoteTile(olga.page, name)).toHaveAttribute('data-link', 'connected', {
        timeout: left(),
      });
    }
    for (const { page } of [everyone[0], everyone[2]]) {
      await expect(remoteTile(page, 'Olga')).toHaveAttribute('data-link', 'connected', {
        timeout: left(),
      });
    }
    for (const { page, who } of everyone) {
      await expectMediaFlowing(page, 2, `${who} after the outage`, { timeout: left() });
    }
    const tookMs = Date.now() - backAt;
    const socketsClosed = await olga.page.evaluate(() => (window as any).__wsClosed as number);
    console.log(
      `offline recovery: ${tookMs} ms after the network came back; ` +
        `Olga's signaling sockets closed meanwhile: ${socketsClosed}`,
    );
    expect(tookMs, 'recovered within 10 s').toBeLessThanOrEqual(RECOVERY_MS);
    // And it stays so (a late "Reconnecting…" would show by now).
    for (const { page, who } of everyone) {
      await expect(page.getByText('Reconnecting…'), `${who}: still no reconnecting`).toHaveCount(
        0,
        { timeout: 1 },
      );
    }
    // The same page all along, never reloaded.
    expect(await olga.page.evaluate(() => (window as any).__beforeOutage)).toBe(true);

    await carl.context.close();
    await olga.context.close();
    await host.context.close();
  } finally {
    await link.stop();
    await relay.stop();
  }
});
