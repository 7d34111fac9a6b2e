import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { turnArgs, type TurnSettings } from './servers';

// Network outages for one participant. Playwright's `setOffline` fails
// the page's HTTP requests but leaves open WebSockets and WebRTC alone (in
// Chromium), so a participant "offline" that way never loses the call.
// These cut what it does not: the signaling connection (a TCP proxy the
// participant's page is loaded through) and the media path (a TURN relay
// of its own that the participant is forced onto).

/**
 * A TCP proxy to `target` that can stall like a dead network: while
 * stalled, nothing is read or forwarded in either direction (so TCP
 * windows fill up and nobody hears anything); on restore, what was held
 * back flows again, including a close that happened meanwhile.
 */
export class StallableProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private stalled = false;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on a free loopback port; returns the proxy's origin. */
  async start(): Promise<string> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  private accept(client: net.Socket) {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(from);
      from.setNoDelay(true);
      // Forwarded by hand (not `pipe`, which resumes paused sockets).
      from.on('data', (chunk) => to.write(chunk));
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      if (this.stalled) from.pause();
    }
  }

  /** The network goes dead. */
  stall() {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** The network is back. */
  restore() {
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * A coturn started by a spec. `freeze` stops the process (packets to it
 * are lost, as on a dead path) and `thaw` lets it go on with its
 * allocations intact.
 */
export class TurnProcess {
  private child?: ChildProcess;

  constructor(readonly settings: TurnSettings) {}

  async start() {
    fs.mkdirSync(this.settings.dir, { recursive: true });
    const child = spawn('turnserver', turnArgs(this.settings), { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`turnserver exited (${code})`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    // Ready once its TCP listener accepts (it listens on UDP and TCP).
    while (!(await Promise.race([canConnect(this.settings.port), exited]))) {
      if (Date.now() > deadline) throw new Error('turnserver did not start within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  freeze() {
    this.child?.kill('SIGSTOP');
  }

  thaw() {
    this.child?.kill('SIGCONT');
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
