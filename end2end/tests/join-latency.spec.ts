import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  joinCall,
  logProblems,
  newPerson,
  open,
  roomPathOf,
  scheduleMeeting,
  signUp,
  waitForHydration,
} from './helpers';

// A measurement, not a timed assertion: how long from the click on "Join
// now" until the first frame of a remote video is shown, over repeated
// joins of a guest into a room where the host waits.
const JOINS = 12;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

test('join to first remote frame', async ({ browser }) => {
  test.setTimeout(300_000);

  const hostContext = await newPerson(browser);
  const host = await hostContext.newPage();
  logProblems(host, 'host');
  await signUp(host, 'Host');
  const roomPath = await roomPathOf(host, await scheduleMeeting(host, 'Latency check'));
  await open(host, roomPath);
  await joinCall(host);

  const guestContext = await newPerson(browser);
  const guest = await guestContext.newPage();
  logProblems(guest, 'guest');
  await guest.goto(roomPath);

  const samples: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    if (i > 0) await guest.reload();
    await waitForHydration(guest);
    await joinCall(guest, `Guest ${i + 1}`);
    await expect(host.getByTestId('remote-tile')).toHaveCount(1);

    await expect
      .poll(() => guest.evaluate(() => (window as any).__firstFrameAt as number | null), {
        message: `join ${i + 1}: a remote video frame`,
        timeout: 20_000,
      })
      .not.toBeNull();
    const { clickAt, frameAt, marks } = await guest.evaluate(() => ({
      clickAt: (window as any).__joinClickAt as number,
      frameAt: (window as any).__firstFrameAt as number,
      marks: (window as any).__marks as Record<string, number>,
    }));
    const steps = Object.entries(marks)
      .sort(([, a], [, b]) => a - b)
      .map(([name, at]) => `${name}=${Math.round(at - clickAt)}`)
      .join(' ');
    console.log(`join ${i + 1}: ${steps}`);
    expect(clickAt, 'the click on "Join now" was recorded').not.toBeNull();
    samples.push(Math.round(frameAt - clickAt));

    await guest.getByRole('button', { name: 'Leave call' }).click();
    await expect(guest.getByRole('heading', { name: 'You left the meeting' })).toBeVisible();
    await expect(host.getByTestId('remote-tile')).toHaveCount(0);
  }

  const sorted = [...samples].sort((x, y) => x - y);
  const p50 = percentile(sorted, 50);
  const p90 = percentile(sorted, 90);
  console.log(`join_to_first_frame_ms p50=${p50} p90=${p90} n=${samples.length}`);
  const out = path.join(__dirname, '..', 'test-results', 'join-latency.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      { metric: 'join_to_first_frame_ms', p50, p90, n: samples.length, samples },
      null,
      2,
    ) + '\n',
  );
  expect(samples).toHaveLength(JOINS);

  await guestContext.close();
  await hostContext.close();
});
