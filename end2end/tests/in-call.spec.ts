import { expect, test, type Page } from '@playwright/test';
import { guestJoins, hostMeeting, remoteTile } from './helpers';

/** Signaling messages of `type` this page has sent so far. */
async function sent(page: Page, type: string): Promise<number> {
  return page.evaluate((t) => (window as any).__sent[t] ?? 0, type);
}

/** Label of the audio track every peer connection of the page sends. */
async function sentMicrophones(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (window as any).__pcs
      .filter((pc: RTCPeerConnection) => pc.connectionState !== 'closed')
      .flatMap((pc: RTCPeerConnection) => pc.getSenders())
      .filter((s: RTCRtpSender) => s.track?.kind === 'audio')
      .map((s: RTCRtpSender) => s.track!.label),
  );
}

test('in a call: quality, speaking, hands, reactions, private chat, host delete', async ({ browser }) => {
  test.setTimeout(150_000);
  const host = await hostMeeting(browser, 'Hana', 'Standup');
  const gus = await guestJoins(browser, host.roomPath, 'Gus');
  const gusTile = remoteTile(host.page, 'Gus');
  await expect(gusTile).toHaveAttribute('data-link', 'connected');

  // Quality from getStats, and the speaking ring from the audio level
  // (the fake microphone beeps).
  await expect(gusTile.getByRole('img', { name: 'Connection: good' })).toBeVisible({ timeout: 15_000 });
  await expect(gusTile).toHaveClass(/speaking/, { timeout: 15_000 });

  // A raised hand shows on the tile and in the host's ordered list; the
  // host lowers it.
  await gus.page.getByRole('button', { name: 'Raise hand' }).click();
  await expect(gusTile.getByRole('img', { name: 'Hand raised' })).toBeVisible();
  await host.page.getByRole('button', { name: 'Participants' }).click();
  const hands = host.page.getByRole('list', { name: 'Raised hands' });
  await expect(hands).toContainText('Gus');
  await host.page.getByRole('button', { name: "Lower Gus's hand" }).click();
  await expect(gus.page.getByRole('button', { name: 'Raise hand' })).toBeVisible();
  await expect(gusTile.getByRole('img', { name: 'Hand raised' })).toHaveCount(0);

  // A reaction floats over the sender's tile for the others.
  await gus.page.getByRole('button', { name: 'Reactions' }).click();
  await gus.page.getByRole('button', { name: 'React 🎉' }).click();
  await expect(gusTile).toContainText('🎉');

  // A private message reaches its recipient, marked private.
  await host.page.getByRole('button', { name: 'Message Gus privately' }).click();
  await expect(host.page.getByRole('combobox', { name: 'Send to' })).toHaveValue(/\d+/);
  await host.page.getByRole('textbox', { name: 'Message everyone' }).fill('just for you');
  await host.page.getByRole('button', { name: 'Send' }).click();
  await gus.page.getByRole('button', { name: /^Chat/ }).click();
  const secret = gus.page.getByTestId('chat-messages').getByRole('listitem').filter({ hasText: 'just for you' });
  await expect(secret).toContainText('Privately from Hana');

  // The host deletes a public message for everyone.
  await gus.page.getByRole('combobox', { name: 'Send to' }).selectOption('');
  await gus.page.getByRole('textbox', { name: 'Message everyone' }).fill('oops, wrong room');
  await gus.page.getByRole('button', { name: 'Send' }).click();
  const oops = (page: Page) =>
    page.getByTestId('chat-messages').getByRole('listitem').filter({ hasText: 'oops, wrong room' });
  await expect(oops(gus.page)).toHaveCount(1);
  await expect(oops(gus.page).getByRole('button', { name: 'Delete message' })).toHaveCount(0);
  // The host's chat is still open from the private message.
  await oops(host.page).getByRole('button', { name: 'Delete message' }).click();
  await expect(oops(gus.page)).toHaveCount(0);
  await expect(oops(host.page)).toHaveCount(0);

  await host.context.close();
  await gus.context.close();
});

test('switching the microphone mid-call replaces the track without renegotiating', async ({ browser }) => {
  test.setTimeout(120_000);
  const host = await hostMeeting(browser, 'Hana', 'Devices');
  const gus = await guestJoins(browser, host.roomPath, 'Gus');
  await expect(remoteTile(host.page, 'Gus')).toHaveAttribute('data-link', 'connected');

  await gus.page.getByRole('button', { name: 'Devices' }).click();
  const picker = gus.page.getByRole('combobox', { name: 'Microphone' });
  const choices = picker.locator('option:not([value=""])');
  await expect.poll(() => choices.count(), { message: 'the fake devices are listed' }).toBeGreaterThan(1);
  const before = await sentMicrophones(gus.page);
  const target = (await choices.allTextContents()).find((label) => !before.includes(label));
  expect(target, `a microphone other than ${before.join(', ')}`).toBeTruthy();
  const offers = await sent(gus.page, 'offer');

  await picker.selectOption({ label: target! });
  await expect.poll(() => sentMicrophones(gus.page)).toEqual([target]);
  // replaceTrack: no new offer went out.
  expect(await sent(gus.page, 'offer')).toBe(offers);
  await expect(remoteTile(host.page, 'Gus')).toHaveAttribute('data-link', 'connected');

  await host.context.close();
  await gus.context.close();
});

test('the call fits a phone screen', async ({ browser }) => {
  test.setTimeout(120_000);
  const host = await hostMeeting(browser, 'Hana', 'Phone');
  const gus = await guestJoins(browser, host.roomPath, 'Gus');
  await gus.page.setViewportSize({ width: 390, height: 844 });
  await expect(remoteTile(gus.page, 'Hana')).toBeVisible();
  await expect(gus.page.getByRole('button', { name: 'Leave call' })).toBeInViewport();
  await gus.page.getByRole('button', { name: /^Chat/ }).click();
  await expect(gus.page.getByRole('textbox', { name: 'Message everyone' })).toBeInViewport({ ratio: 0.5 });
  const overflow = await gus.page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'no sideways scrolling').toBeLessThanOrEqual(0);

  await host.context.close();
  await gus.context.close();
});
