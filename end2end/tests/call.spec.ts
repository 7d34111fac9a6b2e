import { expect, test, type Page } from '@playwright/test';
import {
  expectMediaFlowing,
  joinCall,
  logProblems,
  newPerson,
  open,
  roomPathOf,
  scheduleMeeting,
  signUp,
  waitForHydration,
} from './helpers';

/** Sends a chat message from `from` and checks that `to` shows it with the
 * sender's name. */
async function expectChatDelivered(from: Page, to: Page, senderName: string, text: string) {
  await from.getByRole('textbox', { name: 'Message everyone' }).fill(text);
  await from.getByRole('button', { name: 'Send' }).click();
  const message = to.getByTestId('chat-messages').getByRole('listitem').filter({ hasText: text });
  await expect(message).toHaveCount(1);
  await expect(message).toContainText(senderName);
}

test('two people see and hear each other and chat', async ({ browser }) => {
  test.setTimeout(180_000);

  // A: an account that schedules the meeting and hosts it.
  const contextA = await newPerson(browser);
  const a = await contextA.newPage();
  logProblems(a, 'A');
  const alice = await signUp(a, 'Alice');
  const meetingPath = await scheduleMeeting(a, 'Weekly sync');
  const roomPath = await roomPathOf(a, meetingPath);
  await a.getByRole('link', { name: 'Join meeting' }).click();
  await expect(a).toHaveURL(new RegExp(`${roomPath}$`));
  await waitForHydration(a);
  // Signed in: the name is filled in already.
  await expect(a.getByRole('textbox', { name: 'Your name' })).toHaveValue(alice.name);
  await joinCall(a);

  // B: a guest with the link.
  const contextB = await newPerson(browser);
  const b = await contextB.newPage();
  logProblems(b, 'B');
  await open(b, roomPath);
  await joinCall(b, 'Bob');

  await expect(a.getByTestId('remote-tile')).toHaveCount(1);
  await expect(b.getByTestId('remote-tile')).toHaveCount(1);
  await expect(a.getByTestId('remote-tile')).toContainText('Bob');
  await expect(b.getByTestId('remote-tile')).toContainText(alice.name);
  await expectMediaFlowing(a, 1, 'A');
  await expectMediaFlowing(b, 1, 'B');

  // The chat panel starts closed: a message that arrives meanwhile shows
  // as an unread count on the chat button, cleared when the panel opens.
  await a.getByRole('button', { name: 'Chat', exact: true }).click();
  await a.getByRole('textbox', { name: 'Message everyone' }).fill('Hello from Alice');
  await a.getByRole('button', { name: 'Send' }).click();
  await expect(b.getByTestId('unread-badge')).toHaveText('1');
  await expect(b.getByTestId('unread-badge')).toHaveAccessibleName('1 unread');
  await b.getByRole('button', { name: /^Chat/ }).click();
  await expect(b.getByTestId('unread-badge')).toHaveCount(0);
  const fromAlice = b.getByTestId('chat-messages').getByRole('listitem').filter({ hasText: 'Hello from Alice' });
  await expect(fromAlice).toHaveCount(1);
  await expect(fromAlice).toContainText(alice.name);
  await expectChatDelivered(b, a, 'Bob', 'Hi Alice, Bob here see https://example.com/x');
  // Web addresses become links that cannot reach back into the page.
  const link = a.getByTestId('chat-messages').getByRole('link', { name: 'https://example.com/x' });
  await expect(link).toHaveAttribute('href', 'https://example.com/x');
  await expect(link).toHaveAttribute('rel', /noopener/);

  // C: a second guest; now a mesh of three.
  const contextC = await newPerson(browser);
  const c = await contextC.newPage();
  logProblems(c, 'C');
  await open(c, roomPath);
  await joinCall(c, 'Carol');

  for (const [page, who] of [
    [a, 'A'],
    [b, 'B'],
    [c, 'C'],
  ] as const) {
    await expect(page.getByTestId('remote-tile'), `${who} sees both others`).toHaveCount(2);
  }
  await expectMediaFlowing(a, 2, 'A');
  await expectMediaFlowing(b, 2, 'B');
  await expectMediaFlowing(c, 2, 'C');

  // C leaves on purpose: gone for A and B within 5 s.
  await c.getByRole('button', { name: 'Leave call' }).click();
  await expect(c.getByRole('heading', { name: 'You left the meeting' })).toBeVisible();
  for (const page of [a, b]) {
    await expect(page.getByTestId('remote-tile').filter({ hasText: 'Carol' })).toHaveCount(0, {
      timeout: 5_000,
    });
    await expect(page.getByTestId('remote-tile')).toHaveCount(1);
  }

  // B's tab is closed without leaving: gone for A within 5 s.
  await b.close();
  await expect(a.getByTestId('remote-tile')).toHaveCount(0, { timeout: 5_000 });

  await contextA.close();
  await contextB.close();
  await contextC.close();
});
