/** Structured logs (pino, JSON lines on stdout unless a destination is given). */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { name: 'wattledger-gateway', level, base: { pid: process.pid } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
