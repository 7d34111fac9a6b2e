import { expect, test } from '@playwright/test';
import { logProblems, newPerson, open, signUp } from './helpers';

// The signed-in pages read several resources each, and the browser finds
// the server's data for them by the order they are made in. Whether the
// server still waits for one of them when it draws the header varies from
// load to load, so one clean load proves little: load each page many times.
const LOADS_PER_PAGE = 12;

test('signed-in pages hydrate without errors, load after load', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'Hana');
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /panicked|hydration/i.test(message.text())) {
      problems.push(`${page.url()}: ${message.text().split('\n')[0]}`);
    }
  });
  await signUp(page, 'Hana');

  for (let load = 0; load < LOADS_PER_PAGE; load++) {
    await open(page, '/settings');
    // The push section leaves "Checking" only once the page has hydrated
    // and its effects run, so this waits for the whole page to be live.
    await expect(page.getByTestId('push-section').locator('.push-status')).not.toHaveAttribute(
      'data-state',
      'Checking',
    );

    for (const path of ['/calendar', '/calendar?view=month', '/notifications']) {
      await open(page, path);
      // The calendar's shortcuts and the bell's live count start once
      // hydrated; give a late panic the moment it needs to show.
      await page.waitForTimeout(100);
    }
  }
  expect(problems).toEqual([]);
});
