import { expect, test } from '@playwright/test';
import { browserToday, en, logProblems, newPerson, open, signUp } from './helpers';

test('an invitation rings the bell live, is listed, and is marked read', async ({ browser }) => {
  test.setTimeout(90_000);
  const bobContext = await newPerson(browser);
  const bobPage = await bobContext.newPage();
  logProblems(bobPage, 'attendee');
  const bob = await signUp(bobPage, 'Bob');
  await expect(bobPage.getByTestId('unread-count')).toHaveCount(0);

  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'organizer');
  await signUp(page, 'Maria');
  const title = `Planning ${Date.now().toString(36)}`;
  const form = page.getByRole('region', { name: 'New meeting' });
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Date', { exact: true }).fill(await browserToday(page));
  await form.getByLabel('Start time').fill('11:00');
  await form.getByLabel('Invite (emails)').fill(bob.email);
  // Mail is off on the test server, and the form says so.
  await expect(form.getByTestId('mail-off')).toBeVisible();
  // Bob's day is free so far.
  await form.getByRole('button', { name: 'Check availability' }).click();
  await expect(form.getByTestId('free-busy')).toContainText('Bob — free all day');
  await form.getByRole('button', { name: 'Schedule' }).click();
  await expect(form.getByRole('status').filter({ hasText: en.meetingCreated })).toBeVisible();

  // Bob's open page hears of it without reloading.
  await expect(bobPage.getByTestId('unread-count')).toHaveText('1', { timeout: 15_000 });
  await bobPage.getByRole('link', { name: /^Notifications/ }).click();
  const item = bobPage.getByTestId('notification').filter({ hasText: title });
  await expect(item).toContainText('You are invited');
  await expect(item).toContainText('Maria');
  await item.getByRole('button', { name: 'Mark read' }).click();
  await expect(bobPage.getByTestId('unread-count')).toHaveCount(0);
  await expect(bobPage.getByRole('status').filter({ hasText: '0 unread' })).toBeVisible();

  // The notification leads to the meeting.
  await item.getByRole('link', { name: new RegExp(title) }).click();
  await expect(bobPage).toHaveURL(/\/calendar\/[^/]+$/);
  await expect(bobPage.getByRole('heading', { name: title })).toBeVisible();
});

test('settings make a feed URL that serves the calendar, and import an .ics file', async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'user');
  await signUp(page, 'Ines');
  await open(page, '/settings');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();

  // Import first, so the feed has something to show.
  const importer = page.getByRole('region', { name: 'Import an .ics file' });
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Example//EN',
    'BEGIN:VEVENT',
    'UID:imported-1@example.com',
    'DTSTART;TZID=Europe/Berlin:20301104T090000',
    'DTEND;TZID=Europe/Berlin:20301104T093000',
    'RRULE:FREQ=WEEKLY;COUNT=3',
    'SUMMARY:Imported standup',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  await importer.getByLabel('File (.ics)').setInputFiles({
    name: 'calendar.ics',
    mimeType: 'text/calendar',
    buffer: Buffer.from(ics),
  });
  await expect(importer.getByLabel('Or paste its text')).toHaveValue(/Imported standup/);
  await importer.getByRole('button', { name: 'Import' }).click();
  await expect(importer.getByTestId('import-result')).toContainText('Meetings added: 1');

  const feed = page.getByRole('region', { name: 'Subscribe from another calendar' });
  await expect(feed.getByTestId('feed-state')).toHaveText('No subscription address yet.');
  await feed.getByRole('button', { name: 'Make an address' }).click();
  const url = await feed.getByTestId('feed-url').inputValue();
  expect(url).toMatch(/^https?:\/\/[^/]+\/ics\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
  await expect(feed.getByTestId('feed-state')).toHaveText('A subscription address is active.');
  const response = await page.request.get(url);
  expect(response.status()).toBe(200);
  const body = await response.text();
  expect(body).toContain('SUMMARY:Imported standup');
  expect(body).toContain('RRULE:FREQ=WEEKLY;COUNT=3');

  // Turned off, the address stops working.
  await feed.getByRole('button', { name: 'Turn off' }).click();
  await expect(feed.getByTestId('feed-state')).toHaveText('No subscription address yet.');
  expect((await page.request.get(url)).status()).toBe(404);
});
