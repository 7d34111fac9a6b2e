import os from 'node:os';
import path from 'node:path';

// Where the test servers listen, shared by playwright.config.ts and the
// specs. Both read it in every worker; the environment carries choices
// made once (the data folder) over to all of them.

/** Port of the Convene server under test. */
export const E2E_PORT = Number(process.env.CONVENE_E2E_PORT ?? 3107);
export const BASE_URL = `http://127.0.0.1:${E2E_PORT}`;

// A fresh, empty data folder (the server creates it) per run.
process.env.CONVENE_E2E_DATA_DIR ??= path.join(
  os.tmpdir(),
  `convene-e2e-${Date.now()}-${process.pid}`,
);
/** The server's data folder (SQLite file, keys) for this run. */
export const DATA_DIR = process.env.CONVENE_E2E_DATA_DIR;

/** Where a test coturn listens and relays, and its secret. */
export interface TurnSettings {
  host: string;
  port: number;
  /** Relay ports coturn allocates from (inclusive). */
  minPort: number;
  maxPort: number;
  realm: string;
  /** Test-only; never a real deployment's secret. */
  secret: string;
  /** The URL browsers are given. */
  url: string;
  /** Its log, pid file and user database (coturn opens one even when
   * credentials come from the shared secret). */
  dir: string;
}

function turnSettings(port: number, minPort: number, maxPort: number, dir: string): TurnSettings {
  return {
    host: '127.0.0.1',
    port,
    minPort,
    maxPort,
    realm: 'convene.test',
    secret: 'end2end-turn-secret-not-for-production',
    url: `turn:127.0.0.1:${port}?transport=udp`,
    dir,
  };
}

/**
 * The coturn started for the whole run (playwright.config.ts), on
 * loopback with test-only settings (loopback peers allowed, no TLS). The
 * Convene server hands browsers credentials for it, so every call may use
 * it; `relay.spec.ts` forces it.
 */
export const TURN = turnSettings(
  Number(process.env.CONVENE_E2E_TURN_PORT ?? 3479),
  Number(process.env.CONVENE_E2E_TURN_MIN_PORT ?? 49400),
  Number(process.env.CONVENE_E2E_TURN_MAX_PORT ?? 49599),
  `${DATA_DIR}-turn`,
);

/**
 * A second coturn with the same secret (so the server's credentials work
 * on it), on the next port and the next relay ports, for a spec that needs
 * a relay of its own to cut (`offline.spec.ts`).
 */
export const SPARE_TURN = turnSettings(
  TURN.port + 1,
  TURN.maxPort + 1,
  TURN.maxPort + 100,
  `${DATA_DIR}-turn-spare`,
);

/** coturn's command line for `turn`, run in the foreground. */
export function turnArgs(turn: TurnSettings): string[] {
  return [
    '-n', // no configuration file: everything is on this line
    `--listening-ip=${turn.host}`,
    `--relay-ip=${turn.host}`,
    `--listening-port=${turn.port}`,
    `--min-port=${turn.minPort}`,
    `--max-port=${turn.maxPort}`,
    '--use-auth-secret',
    `--static-auth-secret=${turn.secret}`,
    `--realm=${turn.realm}`,
    '--fingerprint',
    // Browsers and relays are all on 127.0.0.1 here; never in production.
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-software-attribute',
    '--simple-log',
    `--log-file=${path.join(turn.dir, 'turn.log')}`,
    `--pidfile=${path.join(turn.dir, 'turn.pid')}`,
    `--userdb=${path.join(turn.dir, 'turndb')}`,
  ];
}

/** A shell command that runs the run's coturn in the foreground. */
export function turnCommand(): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `mkdir -p ${quote(TURN.dir)} && exec turnserver ${turnArgs(TURN).map(quote).join(' ')}`;
}
