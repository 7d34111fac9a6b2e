import { expect, test } from '@playwright/test';
import { expectMediaFlowing, guestJoins, hostMeeting, remoteTile } from './helpers';

test('a participant offline for 3 s is back in the call without reloading', async ({
  browser,
}) => {
  test.setTimeout(120_000);

  const host = await hostMeeting(browser, 'Hans', 'Flaky network');
  const olga = await guestJoins(browser, host.roomPath, 'Olga');
  const carl = await guestJoins(browser, host.roomPath, 'Carl');
  const everyone = [
    { page: host.page, who: 'host' },
    { page: olga.page, who: 'Olga' },
    { page: carl.page, who: 'Carl' },
  ];
  for (const { page, who } of everyone) await expectMediaFlowing(page, 2, who);
  const pcsBefore = await olga.page.evaluate(() => (window as any).__pcs.length as number);

  // Olga's browser loses the network for about 3 s.
  await olga.context.setOffline(true);
  await olga.page.waitForTimeout(3_000);
  await olga.context.setOffline(false);
  const backAt = Date.now();

  // Within 10 s of coming back: no "Reconnecting…" anywhere, everyone
  // still sees everyone, and media flows again in both directions.
  const left = () => Math.max(1, 10_000 - (Date.now() - backAt));
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
  // And it stays so (a late "Reconnecting…" would show up by now).
  for (const { page, who } of everyone) {
    await expect(page.getByText('Reconnecting…'), `${who}: still no reconnecting`).toHaveCount(0, {
      timeout: 1,
    });
  }
  const socketsClosed = await olga.page.evaluate(() => (window as any).__wsClosed as number);
  const pcsAfter = await olga.page.evaluate(() => (window as any).__pcs.length as number);
  console.log(
    `offline recovery: ${tookMs} ms; Olga's signaling sockets closed: ${socketsClosed}; ` +
      `peer connections made: ${pcsBefore} before, ${pcsAfter} after`,
  );
  expect(tookMs, 'recovered within 10 s').toBeLessThanOrEqual(10_000);
  // Same page throughout: no reload (the reload would have reset the count).
  expect(pcsAfter).toBeGreaterThanOrEqual(pcsBefore);

  await carl.context.close();
  await olga.context.close();
  await host.context.close();
});
