/**
 * Starts a real Mosquitto broker (Debian package `mosquitto`) on 127.0.0.1 with a temporary
 * configuration: no anonymous access, a password file made with mosquitto_passwd, and the ACL
 * of `mosquittoAcl`. Under CI=true a missing binary is an error, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { mosquittoAcl } from '../../src/ingress/external-broker.js';

export interface MosquittoBroker {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function mosquittoAvailable(): boolean {
  return spawnSync('mosquitto', ['-h']).error === undefined && spawnSync('mosquitto_passwd', ['-h']).error === undefined;
}

/**
 * For tap's `skip` option: a reason to skip when Mosquitto is missing, except under CI=true,
 * where the test runs and fails on the missing binary.
 */
export function mosquittoSkipReason(): string | false {
  if (mosquittoAvailable() || process.env['CI'] === 'true') return false;
  return 'mosquitto is not installed (apt-get install -y mosquitto)';
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`mosquitto exited (${child.exitCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `users`: username -> password, the gateway user first (it gets the gateway's ACL). */
export async function startMosquitto(gatewayUser: string, users: Readonly<Record<string, string>>): Promise<MosquittoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-mosquitto-'));
  const passwords = join(dir, 'passwords');
  const acl = join(dir, 'acl');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(passwords, '');
  const addUser = (user: string, password: string): void => {
    const result = spawnSync('mosquitto_passwd', ['-b', passwords, user, password]);
    if (result.status !== 0) throw new Error(`mosquitto_passwd failed: ${result.stderr.toString()}`);
  };
  for (const [user, password] of Object.entries(users)) addUser(user, password);
  writeFileSync(acl, mosquittoAcl(gatewayUser));
  const port = await freePort();
  writeFileSync(
    conf,
    // `user`: started as root, Mosquitto would switch to the mosquitto user, who cannot read this private folder.
    [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'allow_anonymous false', `password_file ${passwords}`, `acl_file ${acl}`, 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', (error) => (log += `cannot start mosquitto: ${error.message} (apt-get install -y mosquitto)`));
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await waitForPort(port, child, () => log);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
