import { expect, test } from '@playwright/test';
import { expectMediaFlowing, guestJoins, hostMeeting, remoteTile } from './helpers';

test('in a call of four, everyone sees and hears the three others', async ({ browser }) => {
  test.setTimeout(180_000);

  const host = await hostMeeting(browser, 'Hana', 'Four of us');
  const guests = [];
  for (const name of ['Gus', 'Gwen', 'Gary']) {
    guests.push({ name, ...(await guestJoins(browser, host.roomPath, name)) });
  }
  const everyone = [{ name: host.account.name, ...host }, ...guests];

  for (const person of everyone) {
    const tiles = person.page.getByTestId('remote-tile');
    await expect(tiles, `${person.name} sees three others`).toHaveCount(3);
    for (const other of everyone.filter((p) => p !== person)) {
      await expect(remoteTile(person.page, other.name), `${person.name} sees ${other.name}`)
        .toHaveAttribute('data-link', 'connected');
    }
  }
  // A full mesh: three connections per page, audio and video rising on each.
  for (const person of everyone) {
    await expectMediaFlowing(person.page, 3, person.name);
  }
  // The roster agrees.
  await host.page.getByRole('button', { name: 'Participants' }).click();
  await expect(host.page.getByRole('heading', { name: 'Participants (4)' })).toBeVisible();

  for (const person of everyone) await person.context.close();
});
