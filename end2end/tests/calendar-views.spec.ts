import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  browserToday,
  en,
  logProblems,
  newPerson,
  open,
  scheduleMeeting,
  signUp,
  waitForHydration,
} from './helpers';

/** One hour on the week and day grids, px (HOUR_PX in calendar/views.rs). */
const HOUR_PX = 48;

/** `YYYY-MM-DD` of `date` moved by `days`. */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function events(page: Page, title: string) {
  return page.getByTestId('event').filter({ hasText: title });
}

function viewLink(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Calendar view' }).getByRole('link', { name });
}

/** Presses at `from`, moves in small steps to `to` and releases. */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

test.use({ viewport: { width: 1280, height: 1000 } });

test('views switch, move through periods and dates, and keep the date in the URL', async ({ browser }) => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'organizer');
  await signUp(page, 'Vera');
  const today = await browserToday(page);
  const title = `Views ${Date.now().toString(36)}`;
  await scheduleMeeting(page, title, '10:00');

  // Week is the default view, and the meeting is on it.
  await expect(viewLink(page, 'Week')).toHaveAttribute('aria-current', 'page');
  await expect(events(page, title)).toHaveCount(1);

  await viewLink(page, 'Month').click();
  await expect(page).toHaveURL(new RegExp(`view=month&date=${today}`));
  await expect(viewLink(page, 'Month')).toHaveAttribute('aria-current', 'page');
  await expect(events(page, title)).toContainText('10:00');

  await viewLink(page, 'Day').click();
  await expect(page).toHaveURL(new RegExp(`view=day&date=${today}`));
  await expect(events(page, title)).toContainText('10:00–11:00');
  await expect(page.getByTestId('now-line')).toHaveCount(1);

  await viewLink(page, 'Agenda').click();
  await expect(page).toHaveURL(new RegExp(`view=agenda&date=${today}`));
  await expect(events(page, title)).toContainText('10:00–11:00');

  // Later: 30 days on, nothing there yet.
  await page.getByRole('link', { name: 'Later' }).click();
  await expect(page).toHaveURL(new RegExp(`view=agenda&date=${addDays(today, 30)}`));
  await expect(page.getByTestId('agenda-empty')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Schedule a meeting' })).toBeVisible();
  await page.getByRole('link', { name: 'Earlier' }).click();
  await expect(page).toHaveURL(new RegExp(`date=${today}`));
  await expect(events(page, title)).toHaveCount(1);

  // Jump to a date, then back to today.
  await page.getByLabel('Go to').fill('2027-03-17');
  await page.getByRole('button', { name: 'Go', exact: true }).click();
  await expect(page).toHaveURL(/view=agenda&date=2027-03-17/);
  await viewLink(page, 'Week').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('15–21 Mar 2027');
  await page.getByRole('link', { name: 'Next week' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('22–28 Mar 2027');
  await page.getByRole('link', { name: 'Today', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`view=week&date=${today}`));
  await expect(events(page, title)).toHaveCount(1);

  // The older ?week= links still work.
  await open(page, '/calendar?week=2027-03-17');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('15–21 Mar 2027');

  // Without JavaScript every view is there, as server-rendered links.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  await noJs.addCookies(await context.cookies());
  const plain = await noJs.newPage();
  await plain.goto(`/calendar?view=month&date=${today}`);
  await expect(events(plain, title)).toHaveCount(1);
  await viewLink(plain, 'Agenda').click();
  await expect(plain).toHaveURL(/view=agenda/);
  await expect(events(plain, title)).toContainText('10:00–11:00');
  await noJs.close();

  await context.close();
});

test('the keyboard moves between periods and views, and says where it went', async ({ browser }) => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'organizer');
  await signUp(page, 'Kira');
  const today = await browserToday(page);
  const title = `Keys ${Date.now().toString(36)}`;
  await scheduleMeeting(page, title, '09:00');

  await open(page, '/calendar?view=week&date=2027-03-17');
  await page.getByRole('heading', { level: 1 }).click();
  const shown = page.getByTestId('calendar');
  /** Presses `key` and waits until the view it leads to is shown. */
  async function press(key: string, view: string, date: string) {
    await page.keyboard.press(key);
    await expect(page).toHaveURL(new RegExp(`view=${view}&date=${date}`));
    await expect(shown).toHaveAttribute('data-view', view);
    await expect(shown).toHaveAttribute('data-date', date);
  }
  await press('j', 'week', '2027-03-24');
  // Said to screen readers.
  await expect(page.getByRole('status').filter({ hasText: 'Week 22–28 Mar 2027' })).toBeAttached();
  await press('k', 'week', '2027-03-17');
  await press('PageUp', 'week', '2027-03-10');
  await press('m', 'month', '2027-03-10');
  await expect(page.getByRole('status').filter({ hasText: 'Month March 2027' })).toBeAttached();
  await press('ArrowRight', 'month', '2027-04-01');
  await press('PageDown', 'month', '2027-05-01');
  await press('t', 'month', today);
  await press('a', 'agenda', today);
  await press('d', 'day', today);
  await press('w', 'week', today);

  // Typing in a field is not a shortcut: the page's key handler (which
  // runs while the event is dispatched) leaves the key to the field.
  const taken = await page.getByLabel('Go to').evaluate((field) => {
    const key = new KeyboardEvent('keydown', { key: 'm', bubbles: true, cancelable: true });
    field.dispatchEvent(key);
    return key.defaultPrevented;
  });
  expect(taken).toBe(false);
  await expect(page).toHaveURL(new RegExp(`view=week&date=${today}`));

  // Meetings on the grid are links with a readable name, reached by Tab.
  const link = events(page, title).getByRole('link');
  await expect(link).toHaveAccessibleName(new RegExp(`^${title}, .+, 09:00–10:00$`));
  await page.getByRole('link', { name: 'Agenda' }).focus();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await link.evaluate((el) => el === document.activeElement);
  }
  expect(reached, 'Tab reaches the meeting on the grid').toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();

  await context.close();
});

test('dragging over free time fills in the form; dragging a meeting moves and resizes it', async ({
  browser,
}) => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'organizer');
  await signUp(page, 'Olga');
  const today = await browserToday(page);

  // Select 14:00–15:30 in today's day view.
  await open(page, `/calendar?view=day&date=${today}`);
  const column = page.getByTestId('day-column');
  await expect(column).toHaveCount(1);
  const c = await box(column);
  const x = c.x + c.width / 2;
  await drag(page, { x, y: c.y + 14 * HOUR_PX + 4 }, { x, y: c.y + 15.5 * HOUR_PX - 4 });
  const form = page.getByRole('region', { name: 'New meeting' });
  await expect(form.getByLabel('Start time')).toHaveValue('14:00');
  await expect(form.getByLabel('Duration')).toHaveValue('90');
  await expect(form.getByLabel('Date', { exact: true })).toHaveValue(today);
  await expect(form.getByLabel('Title')).toBeFocused();
  const title = `Dragged ${Date.now().toString(36)}`;
  await form.getByLabel('Title').fill(title);
  await form.getByRole('button', { name: 'Schedule' }).click();
  await expect(form.getByRole('status').filter({ hasText: en.meetingCreated })).toBeVisible();
  await expect(events(page, title)).toContainText('14:00–15:30');

  // In the week view, drag it two hours down.
  await open(page, `/calendar?view=week&date=${today}`);
  const tile = events(page, title);
  await tile.scrollIntoViewIfNeeded();
  let b = await box(tile);
  await drag(page, { x: b.x + b.width / 2, y: b.y + 8 }, { x: b.x + b.width / 2, y: b.y + 8 + 2 * HOUR_PX });
  await expect(page.getByTestId('moved')).toBeVisible();
  await expect(tile).toContainText('16:00–17:30');
  // Not opened by the drag.
  await expect(page).toHaveURL(/\/calendar\?view=week/);

  // Still there after a reload; then pull its lower edge 30 min down.
  await open(page, `/calendar?view=week&date=${today}`);
  await expect(tile).toContainText('16:00–17:30');
  await tile.scrollIntoViewIfNeeded();
  b = await box(tile);
  const bottom = b.y + b.height - 3;
  await drag(page, { x: b.x + b.width / 2, y: bottom }, { x: b.x + b.width / 2, y: bottom + HOUR_PX / 2 });
  await expect(page.getByTestId('moved')).toBeVisible();
  await open(page, `/calendar?view=week&date=${today}`);
  await expect(tile).toContainText('16:00–18:00');

  // The meeting's page agrees.
  await tile.getByRole('link').click();
  await expect(page.getByTestId('meeting-when')).toContainText('16:00–18:00');

  await context.close();
});

test('at phone width the agenda is the default and the page does not scroll sideways', async ({
  browser,
}) => {
  const context = await newPerson(browser);
  const page = await context.newPage();
  logProblems(page, 'phone');
  await signUp(page, 'Pavel');
  await page.setViewportSize({ width: 375, height: 740 });

  await open(page, '/calendar');
  await expect(page).toHaveURL(/view=agenda/);
  await waitForHydration(page);
  await expect(page.getByTestId('agenda-empty')).toBeVisible();
  const overflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(await overflow()).toBeLessThanOrEqual(0);

  // The call to schedule leads to the form.
  await page.getByRole('link', { name: 'Schedule a meeting' }).click();
  await expect(page.getByRole('region', { name: 'New meeting' }).getByLabel('Title')).toBeFocused();

  // A view asked for is kept, and fits too.
  for (const view of ['week', 'month', 'day']) {
    await open(page, `/calendar?view=${view}`);
    await expect(page).toHaveURL(new RegExp(`view=${view}`));
    expect(await overflow(), `${view} view fits the width`).toBeLessThanOrEqual(0);
  }

  await context.close();
});
