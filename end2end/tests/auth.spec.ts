import { expect, test, type Page } from '@playwright/test';
import {
  en,
  logProblems,
  newPerson,
  open,
  PASSWORD,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './helpers';

/** Fills the sign-up form (already open and hydrated) and submits it. */
async function submitSignUp(page: Page, name: string, email: string, password: string) {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

test.describe('accounts', () => {
  test('sign-up errors are shown on their fields', async ({ browser }) => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    logProblems(page, 'signup');
    await open(page, '/signup');
    const email = page.getByLabel('Email');
    const password = page.getByLabel('Password', { exact: true });

    // A common password.
    await submitSignUp(page, 'Weak', uniqueEmail('weak'), '1234567890');
    await expect(password).toHaveAccessibleDescription(new RegExp(escape(en.errPasswordWeak)));
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert').filter({ hasText: en.errPasswordWeak })).toBeVisible();
    await expect(page).toHaveURL(/\/signup$/);

    // An address the browser accepts but the server does not (no dot in
    // the domain).
    await submitSignUp(page, 'Malformed', 'ann@example', PASSWORD);
    await expect(email).toHaveAccessibleDescription(en.errEmailMalformed);
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert').filter({ hasText: en.errEmailMalformed })).toBeVisible();
    await expect(password).not.toHaveAccessibleDescription(new RegExp(escape(en.errPasswordWeak)));
    await expect(page).toHaveURL(/\/signup$/);

    // An address that already has an account (another person's).
    const taken = uniqueEmail('taken');
    const other = await newPerson(browser);
    await signUp(await other.newPage(), 'First', taken);
    await other.close();
    await submitSignUp(page, 'Second', taken, PASSWORD);
    await expect(email).toHaveAccessibleDescription(en.errEmailTaken);
    await expect(page.getByRole('alert').filter({ hasText: en.errEmailTaken })).toBeVisible();
    await expect(page).toHaveURL(/\/signup$/);

    await context.close();
  });

  test('sign out, the calendar asks to sign in, sign in again', async ({ browser }) => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    logProblems(page, 'auth');
    const account = await signUp(page, 'Olga');
    const header = page.getByRole('banner');
    await expect(header).toContainText(account.name);

    await header.getByRole('button', { name: 'Sign out' }).click();
    await expect(header.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(header.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

    await open(page, '/calendar');
    await expect(page).toHaveURL(/\/login\?next=(%2F|\/)calendar$/);
    await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();

    await waitForHydration(page);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await expect(
      page.getByRole('main').getByRole('alert').filter({ hasText: 'Wrong email or password.' }),
    ).toBeVisible();

    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/calendar$/);
    await expect(page.getByRole('heading', { name: /^Calendar/, level: 1 })).toBeVisible();
    await expect(header).toContainText(account.name);

    await context.close();
  });

  test('the language switch shows the sign-in page in Russian', async ({ browser }) => {
    const context = await newPerson(browser);
    const page = await context.newPage();
    await open(page, '/login');
    await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
    await page
      .getByRole('group', { name: 'Language' })
      .getByRole('link', { name: /^RU\b/ })
      .click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Вход', level: 1 })).toBeVisible();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await context.close();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
