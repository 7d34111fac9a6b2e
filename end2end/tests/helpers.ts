import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

/** English labels and messages the tests look for (src/i18n/en.rs). */
export const en = {
  errEmailMalformed: 'Enter an email address like name@example.com.',
  errEmailTaken: 'An account with this email already exists. Sign in instead.',
  errPasswordWeak:
    'This password is too weak: use at least 10 characters and avoid common passwords.',
  notFoundTitle: 'Page not found',
  meetingCreated: 'Meeting scheduled.',
  meetingSaved: 'Changes saved.',
};

/** A strong password for test accounts. */
export const PASSWORD = 'correct horse battery staple';

let counter = 0;

/** An email nobody has used yet in this run (or any other). */
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${counter}@example.com`;
}

/**
 * Runs in every page before its own scripts:
 * - sets `window.__convene_hydrated` once the app's wasm is instantiated and
 *   `hydrate()` has run (the hydration script calls it in the microtasks
 *   right after instantiation; a timer fires only after those);
 * - records every `RTCPeerConnection` the page makes in `window.__pcs`
 *   (a subclass, so `instanceof`, prototype and static members still work);
 * - records when "Join now" is clicked (`window.__joinClickAt`) and when
 *   the first remote video shows its first frame (`window.__firstFrameAt`),
 *   both on the `performance.now()` clock;
 * - counts signaling sockets that closed (`window.__wsClosed`);
 * - with `relayOnly`, makes every peer connection use TURN relays only
 *   (`iceTransportPolicy: "relay"`), whatever the page asks for;
 * - with `turnUrl`, swaps the TURN server the page was given for that one
 *   (same credentials).
 */
function instrumentPage(options: { relayOnly: boolean; turnUrl: string | null }) {
  const w = window as any;
  w.__convene_hydrated = false;
  const wasm = WebAssembly as any;
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = wasm[name];
    if (typeof original !== 'function') continue;
    wasm[name] = function (...args: unknown[]) {
      return original.apply(this, args).then((result: unknown) => {
        setTimeout(() => {
          w.__convene_hydrated = true;
        }, 0);
        return result;
      });
    };
  }

  // First time each step of a join happened (performance.now()), reset by
  // the click on "Join now": socket open, welcome, offer out, answer in,
  // ICE and DTLS connected, first frame.
  w.__marks = {};
  const mark = (name: string) => {
    if (w.__marks[name] === undefined) w.__marks[name] = performance.now();
  };
  const OriginalSocket = w.WebSocket;
  if (typeof OriginalSocket === 'function') {
    class RecordedSocket extends OriginalSocket {
      constructor(...args: unknown[]) {
        super(...args);
        mark('ws_created');
        this.addEventListener('open', () => mark('ws_open'));
        this.addEventListener('close', () => {
          w.__wsClosed += 1;
        });
        this.addEventListener('message', (event: MessageEvent) => {
          const type = typeof event.data === 'string' ? /"type":"(\w+)"/.exec(event.data)?.[1] : undefined;
          if (type) mark(`in_${type}`);
        });
      }
      send(data: unknown) {
        const type = typeof data === 'string' ? /"type":"(\w+)"/.exec(data)?.[1] : undefined;
        if (type) {
          mark(`out_${type}`);
          w.__sent[type] = (w.__sent[type] ?? 0) + 1;
        }
        return super.send(data as any);
      }
    }
    w.WebSocket = RecordedSocket;
  }
  w.__wsClosed = 0;
  // How many signaling messages of each type this page sent.
  w.__sent = {};

  w.__pcs = [];
  const Original = w.RTCPeerConnection;
  if (typeof Original === 'function') {
    const adjust = (config: any) => {
      let out = config;
      if (options.turnUrl && Array.isArray(out?.iceServers)) {
        const isTurn = (url: string) => /^turns?:/.test(url);
        out = {
          ...out,
          iceServers: out.iceServers.map((server: any) =>
            [].concat(server.urls).some(isTurn) ? { ...server, urls: [options.turnUrl] } : server,
          ),
        };
      }
      if (options.relayOnly) out = { ...(out ?? {}), iceTransportPolicy: 'relay' };
      return out;
    };
    class RecordedPeerConnection extends Original {
      constructor(config?: unknown, ...rest: unknown[]) {
        super(adjust(config), ...rest);
        w.__pcs.push(this);
        mark('pc_created');
        this.addEventListener('iceconnectionstatechange', () => {
          if (this.iceConnectionState === 'connected') mark('ice_connected');
        });
        this.addEventListener('connectionstatechange', () => {
          if (this.connectionState === 'connected') mark('pc_connected');
        });
        this.addEventListener('track', () => mark('track'));
      }
      setConfiguration(config: unknown) {
        return super.setConfiguration(adjust(config));
      }
    }
    w.RTCPeerConnection = RecordedPeerConnection;
  }

  w.__joinClickAt = null;
  w.__firstFrameAt = null;
  window.addEventListener(
    'click',
    (event) => {
      const button = (event.target as Element | null)?.closest?.('button');
      if (button && button.textContent?.trim() === 'Join now') {
        w.__joinClickAt = performance.now();
        w.__marks = {};
      }
    },
    true,
  );
  let watched = false;
  const watch = () => {
    if (watched) return;
    const video = document.querySelector('[data-testid="remote-video"]') as any;
    if (!video || typeof video.requestVideoFrameCallback !== 'function') return;
    watched = true;
    video.requestVideoFrameCallback(() => {
      w.__firstFrameAt = performance.now();
      mark('first_frame');
    });
  };
  new MutationObserver(watch).observe(document, { childList: true, subtree: true });
}

export interface PersonOptions {
  /** Connect to others through TURN relays only. */
  relayOnly?: boolean;
  /** Use this TURN server instead of the one the server hands out. */
  turnUrl?: string;
}

/** A fresh browser context (its own cookies: one person) with the
 * instrumentation above. */
export async function newPerson(
  browser: Browser,
  options: PersonOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(instrumentPage, {
    relayOnly: options.relayOnly ?? false,
    turnUrl: options.turnUrl ?? null,
  });
  return context;
}

/** Prints the page's console errors and crashes (for diagnosis). */
export function logProblems(page: Page, who: string) {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      console.log(`[${who} console.${message.type()}] ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => console.log(`[${who} pageerror] ${error.message}`));
}

/** Waits until the app has hydrated (the wasm runs and owns the page). */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => (window as any).__convene_hydrated === true, null, {
    timeout: 30_000,
  });
}

/** Opens `path` and waits for hydration. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await waitForHydration(page);
}

export interface Account {
  name: string;
  email: string;
  password: string;
}

/** Creates an account through the sign-up form; ends on the calendar. */
export async function signUp(page: Page, name: string, email = uniqueEmail(name.toLowerCase())) {
  const account: Account = { name, email, password: PASSWORD };
  await open(page, '/signup');
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(page.getByRole('heading', { name: /^Calendar/, level: 1 })).toBeVisible();
  await waitForHydration(page);
  return account;
}

/** Today's date in the browser's zone (the zone the account was made in),
 * `YYYY-MM-DD`. */
export async function browserToday(page: Page): Promise<string> {
  return page.evaluate(() => {
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  });
}

/**
 * Schedules a meeting today at `time` from the calendar page (which must be
 * open and hydrated) and returns the path of its page, `/calendar/{id}`.
 */
export async function scheduleMeeting(page: Page, title: string, time = '10:00'): Promise<string> {
  const form = page.getByRole('region', { name: 'New meeting' });
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Date').fill(await browserToday(page));
  await form.getByLabel('Start time').fill(time);
  await form.getByLabel('Duration').selectOption('60');
  await form.getByRole('button', { name: 'Schedule' }).click();
  const status = form.getByRole('status').filter({ hasText: en.meetingCreated });
  await expect(status).toBeVisible();
  const href = await status.getByRole('link', { name: 'Meeting link' }).getAttribute('href');
  expect(href).toMatch(/^\/calendar\/[^/]+$/);
  return href!;
}

/** The room path (`/m/{room}`) shown on a meeting's page. */
export async function roomPathOf(page: Page, meetingPath: string): Promise<string> {
  await open(page, meetingPath);
  const href = await page.getByTestId('meeting-link').getAttribute('href');
  expect(href).toMatch(/^\/m\/[A-Za-z0-9_-]+$/);
  return href!;
}

/**
 * On a room page (hydrated): types `name` when given (guests), waits for the
 * camera preview, clicks "Join now" and waits until the call is shown.
 */
export async function joinCall(page: Page, name?: string) {
  if (name !== undefined) {
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  }
  const join = page.getByRole('button', { name: 'Join now' });
  await expect(join).toBeEnabled({ timeout: 20_000 });
  await join.click();
  await expect(page.getByRole('button', { name: 'Leave call' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('local-tile')).toBeVisible();
}

/** Inbound media of one open peer connection. */
export interface PeerStats {
  connectionState: string;
  audioBytes: number;
  videoBytes: number;
  videoFrames: number;
  hasAudio: boolean;
  hasVideo: boolean;
}

/** Inbound RTP totals of every peer connection of the page that is not
 * closed, in creation order. */
export async function inboundStats(page: Page): Promise<PeerStats[]> {
  return page.evaluate(async () => {
    const out = [];
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.signalingState === 'closed' || pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      const entry = {
        connectionState: pc.connectionState as string,
        audioBytes: 0,
        videoBytes: 0,
        videoFrames: 0,
        hasAudio: false,
        hasVideo: false,
      };
      report.forEach((s: any) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'audio') {
          entry.hasAudio = true;
          entry.audioBytes += s.bytesReceived ?? 0;
        } else if (s.kind === 'video') {
          entry.hasVideo = true;
          entry.videoBytes += s.bytesReceived ?? 0;
          entry.videoFrames += s.framesDecoded ?? 0;
        }
      });
      out.push(entry);
    }
    return out;
  });
}

/**
 * Asserts that the page has exactly `peers` open peer connections and that
 * on every one of them audio bytes, video bytes and decoded video frames
 * keep rising: a first sample, then (polling) a later one at least ~1 s on
 * that is higher on all three counts for every connection. `timeout`
 * bounds the whole check (by default 20 s to connect, 15 s to rise).
 */
export async function expectMediaFlowing(
  page: Page,
  peers: number,
  who: string,
  options: { timeout?: number } = {},
) {
  const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
  const left = (fallback: number) =>
    deadline === undefined ? fallback : Math.max(1, deadline - Date.now());
  // Wait for the connections to be up and to have received something.
  await expect
    .poll(
      async () => {
        const stats = await inboundStats(page);
        return (
          stats.length === peers &&
          stats.every(
            (s) => s.connectionState === 'connected' && s.audioBytes > 0 && s.videoFrames > 0,
          )
        );
      },
      {
        message: `${who}: ${peers} connected peer connection(s) receiving media`,
        timeout: left(20_000),
      },
    )
    .toBe(true);
  const first = await inboundStats(page);
  const firstAt = Date.now();
  await expect
    .poll(
      async () => {
        const now = await inboundStats(page);
        if (Date.now() - firstAt < 1_000) return 'too early';
        if (now.length !== first.length) return `connections changed: ${JSON.stringify(now)}`;
        const stalled = now.filter(
          (s, i) =>
            !(
              s.audioBytes > first[i].audioBytes &&
              s.videoBytes > first[i].videoBytes &&
              s.videoFrames > first[i].videoFrames
            ),
        );
        return stalled.length === 0 ? 'rising' : `stalled: ${JSON.stringify({ first, now })}`;
      },
      {
        message: `${who}: inbound audio and video rising`,
        timeout: left(15_000),
        intervals: [250],
      },
    )
    .toBe('rising');
}

/**
 * How many inbound video streams (camera or screen, over all the page's
 * open peer connections) decoded new frames during `ms` milliseconds.
 */
export async function risingInboundVideos(page: Page, ms = 1_500): Promise<number> {
  const sample = () =>
    page.evaluate(async () => {
      const frames: Record<string, number> = {};
      for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
        if (pc.signalingState === 'closed' || pc.connectionState === 'closed') continue;
        const report = await pc.getStats();
        report.forEach((s: any) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            frames[`${s.ssrc}:${s.id}`] = s.framesDecoded ?? 0;
          }
        });
      }
      return frames;
    });
  const before = await sample();
  await page.waitForTimeout(ms);
  const after = await sample();
  return Object.entries(after).filter(([id, n]) => n > (before[id] ?? 0)).length;
}

/** One side of the candidate pair a peer connection sends media over. */
export interface CandidateInfo {
  candidateType: string;
  address: string;
  port: number;
  protocol: string;
}

/** The candidate pair ICE selected on one peer connection. */
export interface SelectedPair {
  connectionState: string;
  state: string;
  local: CandidateInfo;
  remote: CandidateInfo;
}

/**
 * The selected candidate pair of every open peer connection of the page,
 * in creation order (`null` where none is selected yet).
 */
export async function selectedPairs(page: Page): Promise<(SelectedPair | null)[]> {
  return page.evaluate(async () => {
    const out: unknown[] = [];
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.signalingState === 'closed' || pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      const byId = new Map<string, any>();
      report.forEach((s: any) => byId.set(s.id, s));
      let pair: any;
      report.forEach((s: any) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          pair = byId.get(s.selectedCandidatePairId);
        }
      });
      if (!pair) {
        out.push(null);
        continue;
      }
      const side = (id: string) => {
        const c = byId.get(id) ?? {};
        return {
          candidateType: c.candidateType,
          address: c.address ?? c.ip,
          port: c.port,
          protocol: c.protocol,
        };
      };
      out.push({
        connectionState: pc.connectionState,
        state: pair.state,
        local: side(pair.localCandidateId),
        remote: side(pair.remoteCandidateId),
      });
    }
    return out as any;
  });
}

/** A person with a page of their own. */
export interface Person {
  context: BrowserContext;
  page: Page;
}

/**
 * Someone who signs up, schedules a meeting for today and joins its room
 * (as its organizer, the host). Returns the room path too.
 */
export async function hostMeeting(
  browser: Browser,
  name: string,
  title: string,
  options: PersonOptions = {},
): Promise<Person & { account: Account; roomPath: string }> {
  const context = await newPerson(browser, options);
  const page = await context.newPage();
  logProblems(page, name);
  const account = await signUp(page, name);
  const roomPath = await roomPathOf(page, await scheduleMeeting(page, title));
  await open(page, roomPath);
  await joinCall(page);
  return { context, page, account, roomPath };
}

/** A guest (no account) who opens the room's link; not joined yet. */
export async function guestOpens(
  browser: Browser,
  roomPath: string,
  who: string,
  options: PersonOptions = {},
): Promise<Person> {
  const context = await newPerson(browser, options);
  const page = await context.newPage();
  logProblems(page, who);
  await open(page, roomPath);
  return { context, page };
}

/** A guest who opens the room's link and joins the call as `name`. */
export async function guestJoins(
  browser: Browser,
  roomPath: string,
  name: string,
  options: PersonOptions = {},
): Promise<Person> {
  const person = await guestOpens(browser, roomPath, name, options);
  await joinCall(person.page, name);
  return person;
}

/** The tile of the remote participant called `name`. */
export function remoteTile(page: Page, name: string) {
  return page.getByTestId('remote-tile').filter({ hasText: name });
}
