import { expect, test } from '@playwright/test';
import {
  expectMediaFlowing,
  guestJoins,
  hostMeeting,
  remoteTile,
  waitForHydration,
} from './helpers';

test('a removed participant is let go and cannot come back', async ({ browser }) => {
  test.setTimeout(180_000);

  const host = await hostMeeting(browser, 'Hugo', 'Moderated');
  const h = host.page;
  const rob = await guestJoins(browser, host.roomPath, 'Rob');
  const cleo = await guestJoins(browser, host.roomPath, 'Cleo');
  await expect(h.getByTestId('remote-tile')).toHaveCount(2);
  await expectMediaFlowing(h, 2, 'host');

  // Remove Rob through the participants panel, confirming.
  await h.getByRole('button', { name: 'Participants' }).click();
  await expect(h.getByRole('heading', { name: 'Participants (3)' })).toBeVisible();
  await h.getByRole('button', { name: 'Remove Rob from the meeting' }).click();
  const dialog = h.getByRole('alertdialog');
  await expect(dialog).toContainText('Remove Rob from the meeting?');
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  await expect(rob.page.getByRole('heading', { name: 'You were removed from this meeting' }))
    .toBeVisible();
  // Removal is for good: no way back offered.
  await expect(rob.page.getByRole('button', { name: 'Rejoin' })).toHaveCount(0);
  await expect(rob.page.getByRole('toolbar', { name: 'Call' })).toHaveCount(0);

  // Gone for the others within 5 s; the rest of the call is unaffected.
  for (const [page, who] of [
    [h, 'host'],
    [cleo.page, 'Cleo'],
  ] as const) {
    await expect(remoteTile(page, 'Rob'), `${who} no longer shows Rob`).toHaveCount(0, {
      timeout: 5_000,
    });
    await expect(page.getByTestId('remote-tile')).toHaveCount(1);
  }
  await expect(h.getByRole('heading', { name: 'Participants (2)' })).toBeVisible();
  await expectMediaFlowing(h, 1, 'host');
  await expectMediaFlowing(cleo.page, 1, 'Cleo');

  // Same browser (its guest cookie), reloaded: joining again is refused,
  // visibly, and nobody in the call sees Rob.
  await rob.page.reload();
  await waitForHydration(rob.page);
  await rob.page.getByRole('textbox', { name: 'Your name' }).fill('Rob');
  const join = rob.page.getByRole('button', { name: 'Join now' });
  await expect(join).toBeEnabled({ timeout: 20_000 });
  await join.click();
  await expect(
    rob.page.getByRole('alert').filter({ hasText: /not allowed|removed/i }).first(),
  ).toBeVisible();
  await expect(rob.page.getByRole('toolbar', { name: 'Call' })).toHaveCount(0);
  await expect(rob.page.getByRole('button', { name: 'Leave call' })).toHaveCount(0);
  await h.waitForTimeout(2_000);
  await expect(remoteTile(h, 'Rob')).toHaveCount(0);
  await expect(h.getByRole('heading', { name: /^Waiting to join/ })).toHaveCount(0);

  await rob.context.close();
  await cleo.context.close();
  await host.context.close();
});
