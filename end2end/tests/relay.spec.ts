import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { expectMediaFlowing, guestJoins, hostMeeting, selectedPairs } from './helpers';
import { TURN } from './servers';

// The coturn started for the run (playwright.config.ts) is the only way
// between the two browsers here: both force `iceTransportPolicy: "relay"`,
// so a call only works with the TURN URL and the credentials the server
// derives from CONVENE_TURN_SECRET.

/** Both ends of the selected pair are relay candidates of our coturn. */
async function expectRelayed(page: Page, who: string) {
  await expect
    .poll(
      async () => {
        const pairs = await selectedPairs(page);
        return pairs.length === 1 && pairs[0] !== null && pairs[0].state === 'succeeded';
      },
      { message: `${who}: a selected candidate pair`, timeout: 15_000 },
    )
    .toBe(true);
  const [pair] = await selectedPairs(page);
  const inRange = (port: number) => port >= TURN.minPort && port <= TURN.maxPort;
  expect(pair!.local.candidateType, `${who}: local candidate`).toBe('relay');
  expect(pair!.remote.candidateType, `${who}: remote candidate`).toBe('relay');
  expect(pair!.local.address, `${who}: local relay address`).toBe(TURN.host);
  expect(inRange(pair!.local.port), `${who}: local relay port ${pair!.local.port}`).toBe(true);
  expect(pair!.remote.address, `${who}: remote relay address`).toBe(TURN.host);
  expect(inRange(pair!.remote.port), `${who}: remote relay port ${pair!.remote.port}`).toBe(true);
}

test('two people talk through the TURN relay only', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);

  const host = await hostMeeting(browser, 'Rhea', 'Behind firewalls', { relayOnly: true });
  const guest = await guestJoins(browser, host.roomPath, 'Remy', { relayOnly: true });
  try {
    await expect(host.page.getByTestId('remote-tile')).toHaveAttribute('data-link', 'connected');
    await expect(guest.page.getByTestId('remote-tile')).toHaveAttribute(
      'data-link',
      'connected',
    );
    await expectMediaFlowing(host.page, 1, 'Rhea');
    await expectMediaFlowing(guest.page, 1, 'Remy');
    await expectRelayed(host.page, 'Rhea');
    await expectRelayed(guest.page, 'Remy');
  } catch (error) {
    // coturn's side of the story.
    const log = path.join(TURN.dir, 'turn.log');
    if (fs.existsSync(log)) {
      await testInfo.attach('turn.log', { path: log, contentType: 'text/plain' });
    }
    throw error;
  }

  await guest.context.close();
  await host.context.close();
});
