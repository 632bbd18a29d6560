/**
 * Real MQTT brokers for integration tests, started and stopped by the test: aedes in-process
 * on 127.0.0.1 port 0, and Debian's Mosquitto as a child process with a temporary config.
 * Without a mosquitto binary the Mosquitto tests skip locally, but fail under CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';

export interface TestBroker {
  readonly name: string;
  readonly url: string;
  /** Stops the broker; `restart` brings it back on the same port (an outage). */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startAedes(): Promise<TestBroker> {
  let port = 0;
  let running: { aedes: Aedes; server: Server } | undefined;
  const listen = async (): Promise<void> => {
    const aedes = await Aedes.createBroker();
    const server: Server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    port = (server.address() as AddressInfo).port;
    running = { aedes, server };
  };
  await listen();
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (running === undefined) return;
      const { aedes, server } = running;
      running = undefined;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    restart: listen,
  };
}

export function mosquittoBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why Mosquitto tests cannot run, or undefined when they can. Throws under CI=true. */
export function mosquittoUnavailable(): string | undefined {
  if (mosquittoBinary() !== undefined) return undefined;
  const message = 'mosquitto is not installed (apt-get install -y mosquitto)';
  if (process.env.CI === 'true') throw new Error(`${message}: required under CI=true`);
  return message;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${output()}`);
}

export async function startMosquitto(): Promise<TestBroker> {
  const binary = mosquittoBinary();
  if (binary === undefined) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'wl-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = spawn(binary, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    started.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child = started;
    try {
      await waitForPort(port, started, () => output);
    } catch (error) {
      started.kill('SIGKILL');
      throw error;
    }
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    stop: kill,
    restart: launch,
    [Symbol.for('cleanup')]: () => rmSync(dir, { recursive: true, force: true }),
  } as TestBroker;
}

/** Stops a broker for good and removes its files. */
export async function disposeBroker(broker: TestBroker): Promise<void> {
  await broker.stop();
  (broker as unknown as Record<symbol, (() => void) | undefined>)[Symbol.for('cleanup')]?.();
}
