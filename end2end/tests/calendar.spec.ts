import { expect, test } from '@playwright/test';
import {
  en,
  logProblems,
  newPerson,
  open,
  scheduleMeeting,
  signUp,
  waitForHydration,
} from './helpers';

test('a scheduled meeting is on the week grid, can be renamed, and is private', async ({
  browser,
}) => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'organizer');
  await signUp(page, 'Maria');

  const title = `Planning ${Date.now().toString(36)}`;
  const meetingPath = await scheduleMeeting(page, title, '10:00');

  // On this week's grid, as a link to its page.
  const event = page.getByTestId('event').filter({ hasText: title });
  await expect(event).toHaveCount(1);
  await expect(event).toContainText('10:00');
  const link = event.getByRole('link');
  await expect(link).toHaveAttribute('href', meetingPath);
  await link.click();
  await expect(page).toHaveURL(new RegExp(`${meetingPath}$`));
  await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
  await expect(page.getByTestId('meeting-link')).toHaveAttribute('href', /^\/m\/[A-Za-z0-9_-]+$/);

  // Rename it (the edit form is the organizer's).
  await waitForHydration(page);
  const renamed = `${title} (moved)`;
  const edit = page.getByRole('region', { name: 'Edit meeting' });
  await edit.getByLabel('Title').fill(renamed);
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByRole('status')).toHaveText(en.meetingSaved);
  await expect(page.getByRole('heading', { name: renamed, level: 1 })).toBeVisible();

  // Still renamed after a reload, and on the grid.
  await open(page, meetingPath);
  await expect(page.getByRole('heading', { name: renamed, level: 1 })).toBeVisible();
  await open(page, '/calendar');
  await expect(page.getByTestId('event').filter({ hasText: renamed })).toHaveCount(1);

  // Someone else cannot see it: not on their grid, and its page is "not found".
  const strangerContext = await newPerson(browser);
  const stranger = await strangerContext.newPage();
  logProblems(stranger, 'stranger');
  await signUp(stranger, 'Stranger');
  await expect(stranger.getByTestId('event').filter({ hasText: title })).toHaveCount(0);
  const response = await stranger.goto(meetingPath);
  expect(response?.status()).toBe(404);
  await expect(stranger.getByRole('heading', { name: en.notFoundTitle, level: 1 })).toBeVisible();
  await expect(stranger.getByText(renamed)).toHaveCount(0);

  await strangerContext.close();
  await context.close();
});
