import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  expectMediaFlowing,
  guestJoins,
  hostMeeting,
  risingInboundVideos,
} from './helpers';

// The screen comes from Chromium's own getDisplayMedia: with
// --use-fake-ui-for-media-stream and --use-fake-device-for-media-stream
// (playwright.config.ts) headless Chromium picks a fake "entire screen"
// (1280×720, moving pattern) without a picker, so no stand-in is needed.

/** A shared screen as `viewer` sees it. */
function screenTile(viewer: Page, label: string): Locator {
  return viewer.getByRole('figure', { name: label, exact: true });
}

/** The tile's video has a picture and new frames keep being shown. */
async function expectPlaying(tile: Locator, who: string) {
  const video = tile.getByTestId('screen-video');
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), {
      message: `${who}: the shared screen has a picture`,
      timeout: 15_000,
    })
    .toBeGreaterThan(0);
  const frames = () =>
    video.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
  const first = await frames();
  await expect
    .poll(frames, { message: `${who}: the shared screen is moving`, timeout: 10_000 })
    .toBeGreaterThan(first);
}

/** Number of video streams decoding on `viewer` reaches `count`. */
async function expectDecodingVideos(viewer: Page, count: number, who: string) {
  await expect
    .poll(() => risingInboundVideos(viewer), {
      message: `${who}: ${count} inbound video stream(s) decoding new frames`,
      timeout: 20_000,
      intervals: [0],
    })
    .toBe(count);
}

test('a shared screen shows for the others until it is stopped', async ({ browser }) => {
  test.setTimeout(180_000);

  const host = await hostMeeting(browser, 'Hedda', 'Screen review');
  const paula = await guestJoins(browser, host.roomPath, 'Paula');
  const vic = await guestJoins(browser, host.roomPath, 'Vic');
  const viewers = [
    { page: host.page, who: 'host' },
    { page: vic.page, who: 'Vic' },
  ];
  const p = paula.page;
  for (const { page, who } of viewers) {
    await expectMediaFlowing(page, 2, who);
    await expectDecodingVideos(page, 2, who);
  }

  // Share: Paula sees her own screen, the others see it as hers, playing,
  // and it arrives as one more inbound video next to the cameras.
  await p.getByRole('button', { name: 'Share screen' }).click();
  const stop = p.getByRole('button', { name: 'Stop sharing' });
  await expect(stop).toHaveAttribute('aria-pressed', 'true');
  await expect(screenTile(p, 'Your screen')).toBeVisible();
  for (const { page, who } of viewers) {
    const tile = screenTile(page, 'Screen of Paula');
    await expect(tile, `${who} sees Paula's screen`).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('screen-tile')).toHaveCount(1);
    await expectPlaying(tile, who);
    await expectDecodingVideos(page, 3, who);
  }

  // "Stop sharing": gone for everyone, cameras still flowing.
  await stop.click();
  await expect(p.getByRole('button', { name: 'Share screen' })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  await expect(p.getByTestId('screen-tile')).toHaveCount(0);
  for (const { page, who } of viewers) {
    await expect(page.getByTestId('screen-tile'), `${who}: Paula's screen is gone`).toHaveCount(
      0,
      { timeout: 5_000 },
    );
    await expectDecodingVideos(page, 2, who);
    await expect(page.getByTestId('remote-tile')).toHaveCount(2);
  }

  // Share again, then end the capture the way the browser's own "Stop
  // sharing" bar does: the track stops and fires `ended`.
  await p.getByRole('button', { name: 'Share screen' }).click();
  await expect(p.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
  for (const { page, who } of viewers) {
    const tile = screenTile(page, 'Screen of Paula');
    await expect(tile, `${who} sees Paula's screen again`).toBeVisible({ timeout: 15_000 });
    await expectPlaying(tile, who);
  }
  await screenTile(p, 'Your screen')
    .getByTestId('screen-video')
    .evaluate((video: HTMLVideoElement) => {
      const [track] = (video.srcObject as MediaStream).getVideoTracks();
      track.stop();
      track.dispatchEvent(new Event('ended'));
    });
  await expect(p.getByRole('button', { name: 'Share screen' })).toBeVisible();
  await expect(p.getByTestId('screen-tile')).toHaveCount(0);
  for (const { page, who } of viewers) {
    await expect(page.getByTestId('screen-tile'), `${who}: the ended share is gone`).toHaveCount(
      0,
      { timeout: 5_000 },
    );
    await expectDecodingVideos(page, 2, who);
  }

  await vic.context.close();
  await paula.context.close();
  await host.context.close();
});

test('someone who joins during a share sees the screen and the camera', async ({ browser }) => {
  test.setTimeout(120_000);

  const host = await hostMeeting(browser, 'Hilde', 'Late arrival');
  await host.page.getByRole('button', { name: 'Share screen' }).click();
  await expect(screenTile(host.page, 'Your screen')).toBeVisible();

  const late = await guestJoins(browser, host.roomPath, 'Lars');
  const tile = screenTile(late.page, 'Screen of Hilde');
  await expect(tile).toBeVisible({ timeout: 15_000 });
  await expectPlaying(tile, 'Lars');
  await expectMediaFlowing(late.page, 1, 'Lars');
  // Camera and screen, both decoding, on the one connection.
  await expectDecodingVideos(late.page, 2, 'Lars');
  await expect(late.page.getByTestId('remote-tile')).toHaveCount(1);

  await late.context.close();
  await host.context.close();
});
