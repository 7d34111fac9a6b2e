import { expect, test, type Page } from '@playwright/test';
import { expectMediaFlowing, guestOpens, hostMeeting, remoteTile } from './helpers';

/** The knocker's screen: waiting to be let in, not in the call. */
async function expectWaiting(page: Page) {
  const screen = page.getByRole('region', { name: 'Waiting for the host to let you in' });
  await expect(screen).toBeVisible();
  await expect(screen.getByRole('heading', { name: 'Waiting for the host to let you in' })).toBeVisible();
  // Announced to screen readers as it appears.
  await expect(screen.getByRole('status')).toContainText('Waiting for the host to let you in');
  await expect(page.getByRole('toolbar', { name: 'Call' })).toHaveCount(0);
}

test('guests ask to join: the host admits one and denies another', async ({ browser }) => {
  test.setTimeout(180_000);

  const host = await hostMeeting(browser, 'Helga', 'Ask first');
  const h = host.page;

  // Only guests knock from now on.
  await h.getByRole('button', { name: 'Participants' }).click();
  const access = h.getByLabel('Who can join');
  await access.selectOption('ask_to_join');
  await expect(access).toHaveValue('ask_to_join');
  await expect(access.getByRole('option', { selected: true })).toHaveText('Guests ask to join');

  // A guest knocks and waits.
  const gina = await guestOpens(browser, host.roomPath, 'Gina');
  await gina.page.getByRole('textbox', { name: 'Your name' }).fill('Gina');
  await gina.page.getByRole('button', { name: 'Join now' }).click();
  await expectWaiting(gina.page);
  // Nobody is connected to a knocker.
  await expect(h.getByTestId('remote-tile')).toHaveCount(0);

  // The host sees the knock and lets her in.
  await expect(h.getByRole('heading', { name: 'Waiting to join (1)' })).toBeVisible();
  await h.getByRole('button', { name: 'Admit Gina' }).click();
  await expect(h.getByRole('heading', { name: /^Waiting to join/ })).toHaveCount(0);

  await expect(gina.page.getByRole('toolbar', { name: 'Call' })).toBeVisible({ timeout: 15_000 });
  await expect(gina.page.getByTestId('local-tile')).toBeVisible();
  await expect(remoteTile(gina.page, host.account.name)).toHaveAttribute('data-link', 'connected');
  await expect(remoteTile(h, 'Gina')).toHaveAttribute('data-link', 'connected');
  await expectMediaFlowing(h, 1, 'host');
  await expectMediaFlowing(gina.page, 1, 'Gina');

  // A second guest knocks and is turned away.
  const dan = await guestOpens(browser, host.roomPath, 'Dan');
  await dan.page.getByRole('textbox', { name: 'Your name' }).fill('Dan');
  await dan.page.getByRole('button', { name: 'Join now' }).click();
  await expectWaiting(dan.page);
  await expect(h.getByRole('heading', { name: 'Waiting to join (1)' })).toBeVisible();
  await h.getByRole('button', { name: 'Deny Dan' }).click();
  await expect(dan.page.getByRole('heading', { name: 'The host did not let you in' })).toBeVisible();
  await expect(dan.page.getByRole('toolbar', { name: 'Call' })).toHaveCount(0);
  await expect(h.getByRole('heading', { name: /^Waiting to join/ })).toHaveCount(0);

  // The call goes on as it was: the host and Gina only.
  await expect(h.getByTestId('remote-tile')).toHaveCount(1);
  await expect(gina.page.getByTestId('remote-tile')).toHaveCount(1);
  await expect(remoteTile(h, 'Dan')).toHaveCount(0);
  await expect(h.getByRole('heading', { name: 'Participants (2)' })).toBeVisible();

  await dan.context.close();
  await gina.context.close();
  await host.context.close();
});
