import { expect, test, type Page } from '@playwright/test';
import { browserToday, en, logProblems, newPerson, open, signUp, waitForHydration } from './helpers';

/** The events on the week grid with `title` in them. */
function events(page: Page, title: string) {
  return page.getByTestId('event').filter({ hasText: title });
}

/** One hour on the week grid, px (HOUR_PX in calendar/views.rs). */
const HOUR_PX = 48;

async function nextWeek(page: Page) {
  await page.getByRole('link', { name: 'Next week' }).click();
  await waitForHydration(page);
}

test('a weekly meeting repeats, one occurrence moves by drag, and the attendee answer reaches the organizer', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const bobContext = await newPerson(browser);
  const bobPage = await bobContext.newPage();
  logProblems(bobPage, 'attendee');
  const bob = await signUp(bobPage, 'Bob');

  const context = await newPerson(browser);
  const page = await context.newPage();
  // Tall enough that 10:00 to 15:00 fits on the grid for the drag.
  await page.setViewportSize({ width: 1280, height: 1000 });
  logProblems(page, 'organizer');
  await signUp(page, 'Maria');

  // A weekly meeting from today, with Bob invited.
  const title = `Weekly ${Date.now().toString(36)}`;
  const form = page.getByRole('region', { name: 'New meeting' });
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Date', { exact: true }).fill(await browserToday(page));
  await form.getByLabel('Start time').fill('10:00');
  await form.getByLabel('Repeat', { exact: true }).selectOption('weekly');
  await expect(form.getByLabel('Repeat until')).toBeVisible();
  await expect(form.getByLabel('Rule (RFC 5545 RRULE)')).toBeHidden();
  await form.getByLabel('Invite (emails)').fill(bob.email);
  await form.getByRole('button', { name: 'Schedule' }).click();
  await expect(form.getByRole('status').filter({ hasText: en.meetingCreated })).toBeVisible();

  // This week and the next two.
  await expect(events(page, title)).toHaveCount(1);
  await nextWeek(page);
  await expect(events(page, title)).toHaveCount(1);
  await expect(events(page, title)).toContainText('10:00');
  const nextWeekUrl = page.url();
  await nextWeek(page);
  await expect(events(page, title)).toHaveCount(1);

  // Move next week's occurrence to 15:00 by dragging it five hours down on
  // the week grid, and only that one.
  await open(page, new URL(nextWeekUrl).pathname + new URL(nextWeekUrl).search);
  const occurrence = events(page, title);
  await occurrence.scrollIntoViewIfNeeded();
  const from = await occurrence.boundingBox();
  expect(from).not.toBeNull();
  const x = from!.x + from!.width / 2;
  await page.mouse.move(x, from!.y + 8);
  await page.mouse.down();
  await page.mouse.move(x, from!.y + 8 + 5 * HOUR_PX, { steps: 10 });
  await page.mouse.up();
  await expect(page.getByTestId('moved')).toBeVisible();
  await expect(occurrence).toContainText('15:00');
  await open(page, new URL(nextWeekUrl).pathname + new URL(nextWeekUrl).search);
  await expect(events(page, title)).toContainText('15:00');
  await nextWeek(page);
  await expect(events(page, title)).toContainText('10:00');

  // Bob sees it in his calendar and accepts.
  await open(bobPage, '/calendar');
  await events(bobPage, title).getByRole('link').click();
  await waitForHydration(bobPage);
  const rsvp = bobPage.getByRole('region', { name: 'Will you attend?' });
  await rsvp.getByRole('button', { name: 'Yes' }).click();
  await expect(rsvp.getByRole('status')).toHaveText('Your answer is saved.');

  // Maria sees the answer on the meeting's page.
  await open(page, '/calendar');
  await events(page, title).getByRole('link').click();
  const attendee = page.getByTestId('attendee').filter({ hasText: bob.email });
  await expect(attendee).toContainText('Accepted');

  await bobContext.close();
  await context.close();
});
