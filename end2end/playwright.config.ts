import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

// Browser tests of Convene. They run the release build (`cargo leptos build
// --release`) against a fresh SQLite database, in Debian's Chromium with
// fake camera and microphone. Run from this folder: `npx playwright test`.

const PORT = Number(process.env.CONVENE_E2E_PORT ?? 3107);
const BASE_URL = `http://127.0.0.1:${PORT}`;

// A fresh, empty data folder (the server creates it) per run. The config
// is evaluated again in every worker; the environment carries the name
// over, so all of them agree on it.
process.env.CONVENE_E2E_DATA_DIR ??= path.join(
  os.tmpdir(),
  `convene-e2e-${Date.now()}-${process.pid}`,
);
const DATA_DIR = process.env.CONVENE_E2E_DATA_DIR;

export default defineConfig({
  testDir: './tests',
  // Real media on a 2-core machine: one browser at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  outputDir: './test-results',
  use: {
    baseURL: BASE_URL,
    headless: true,
    locale: 'en-US',
    permissions: ['camera', 'microphone'],
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--autoplay-policy=no-user-gesture-required',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: '../target/release/convene',
    cwd: __dirname,
    url: `${BASE_URL}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
      LEPTOS_SITE_ROOT: '../target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'convene',
      CONVENE_DATA_DIR: DATA_DIR,
      // Never an inherited database: always the fresh SQLite file above.
      DATABASE_URL: '',
      CONVENE_PUBLIC_URL: '',
      CONVENE_SECRET: 'end2end-only-secret-not-for-production-0123456789',
      RUST_LOG: 'warn',
    },
  },
});
