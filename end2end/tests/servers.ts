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

/**
 * The coturn the tests start on loopback (test-only settings: loopback
 * peers allowed, no TLS). The Convene server hands browsers credentials
 * for it, so every call may use it; `relay.spec.ts` forces it.
 */
export const TURN = (() => {
  const port = Number(process.env.CONVENE_E2E_TURN_PORT ?? 3479);
  const minPort = Number(process.env.CONVENE_E2E_TURN_MIN_PORT ?? 49400);
  const maxPort = Number(process.env.CONVENE_E2E_TURN_MAX_PORT ?? 49599);
  return {
    host: '127.0.0.1',
    port,
    /** Relay ports coturn allocates from (inclusive). */
    minPort,
    maxPort,
    realm: 'convene.test',
    /** Test-only; never a real deployment's secret. */
    secret: 'end2end-turn-secret-not-for-production',
    url: `turn:127.0.0.1:${port}?transport=udp`,
    /** Its log, pid file and user database (coturn opens one even when
     * credentials come from the shared secret). */
    dir: `${DATA_DIR}-turn`,
  };
})();

/** The shell command that runs coturn in the foreground. */
export function turnCommand(): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const args = [
    '-n', // no configuration file: everything is on this line
    `--listening-ip=${TURN.host}`,
    `--relay-ip=${TURN.host}`,
    `--listening-port=${TURN.port}`,
    `--min-port=${TURN.minPort}`,
    `--max-port=${TURN.maxPort}`,
    '--use-auth-secret',
    `--static-auth-secret=${TURN.secret}`,
    `--realm=${TURN.realm}`,
    '--fingerprint',
    // Both browsers and the relay are on 127.0.0.1 here; never in production.
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-software-attribute',
    '--simple-log',
    `--log-file=${path.join(TURN.dir, 'turn.log')}`,
    `--pidfile=${path.join(TURN.dir, 'turn.pid')}`,
    `--userdb=${path.join(TURN.dir, 'turndb')}`,
  ];
  return `mkdir -p ${quote(TURN.dir)} && exec turnserver ${args.map(quote).join(' ')}`;
}
