import { defineConfig } from '@playwright/test';
import { BASE_URL, DATA_DIR, E2E_PORT, TURN, turnCommand } from './tests/servers';

// Browser tests of Convene. They run the release build (`cargo leptos build
// --release`) against a fresh SQLite database, in Debian's Chromium with
// fake camera and microphone, with a coturn on loopback as the TURN server
// (Debian's `coturn`). Run from this folder: `npx playwright test`.

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
  // Started in this order and stopped after the run. coturn first: the
  // server hands out credentials for it from the first call on.
  webServer: [
    {
      name: 'coturn',
      command: turnCommand(),
      cwd: __dirname,
      // coturn also listens on TCP on its port: ready once that accepts.
      port: TURN.port,
      reuseExistingServer: false,
      timeout: 15_000,
      stdout: 'ignore',
      stderr: 'ignore',
    },
    {
      name: 'convene',
      // CONVENE_E2E_SERVER / CONVENE_E2E_SITE_ROOT: test a copy of the
      // build (e.g. while target/ is being rebuilt).
      command: process.env.CONVENE_E2E_SERVER ?? '../target/release/convene',
      cwd: __dirname,
      url: `${BASE_URL}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        LEPTOS_SITE_ADDR: `127.0.0.1:${E2E_PORT}`,
        LEPTOS_SITE_ROOT: process.env.CONVENE_E2E_SITE_ROOT ?? '../target/site',
        LEPTOS_SITE_PKG_DIR: 'pkg',
        LEPTOS_OUTPUT_NAME: 'convene',
        CONVENE_DATA_DIR: DATA_DIR,
        // Never an inherited database: always the fresh SQLite file above.
        DATABASE_URL: '',
        CONVENE_PUBLIC_URL: '',
        CONVENE_SECRET: 'end2end-only-secret-not-for-production-0123456789',
        CONVENE_ICE_SERVERS: '',
        CONVENE_TURN_URLS: TURN.url,
        CONVENE_TURN_SECRET: TURN.secret,
        CONVENE_MESH_LIMIT: '',
        RUST_LOG: 'warn',
      },
    },
  ],
});
