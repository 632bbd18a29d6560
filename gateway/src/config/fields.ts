/**
 * A small reader for untyped configuration objects (parsed YAML or JSON). Every failure is
 * a ConfigError naming the dotted field, what was expected and what was found; unknown
 * fields are refused so that a typo never silently falls back to a default.
 */
import { ConfigError } from '../errors.js';

type Plain = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FieldReader {
  readonly path: string;
  private readonly raw: Plain;
  private readonly seen = new Set<string>();

  constructor(raw: unknown, path: string) {
    this.path = path;
    if (raw === undefined || raw === null) raw = {};
    if (!isPlainObject(raw)) throw new ConfigError(path || '(root)', `expected a mapping, got ${describe(raw)}`);
    this.raw = raw;
  }

  private field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private get(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** True if the field holds a number (for fields that take a code or a name). */
  isNumber(key: string): boolean {
    return typeof this.raw[key] === 'number';
  }

  string(key: string, fallback?: string): string {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(this.field(key), 'is required (a string)');
    if (typeof value !== 'string' || value.length === 0) throw new ConfigError(this.field(key), `expected a non-empty string, got ${describe(value)}`);
    return value;
  }

  optionalString(key: string): string | undefined {
    if (this.has(key)) return this.string(key);
    this.seen.add(key);
    return undefined;
  }

  hex(key: string, bytes: number | undefined, fallback?: string): string {
    if (typeof this.raw[key] === 'number') {
      throw new ConfigError(this.field(key), `expected ${bytes === undefined ? 'hex digits' : `${bytes * 2} hex digits`} in quotes (YAML reads unquoted digits as a number)`);
    }
    const value = this.string(key, fallback);
    const ok = /^[0-9a-fA-F]*$/.test(value) && value.length % 2 === 0 && (bytes === undefined ? value.length > 0 : value.length === bytes * 2);
    if (!ok) throw new ConfigError(this.field(key), `expected ${bytes === undefined ? 'hex digits' : `${bytes * 2} hex digits (${bytes} bytes)`}, got ${describe(value)}`);
    return value.toLowerCase();
  }

  optionalHex(key: string, bytes: number | undefined): string | undefined {
    if (this.has(key)) return this.hex(key, bytes);
    this.seen.add(key);
    return undefined;
  }

  int(key: string, min: number, max: number, fallback?: number): number {
    const value = this.get(key) ?? fallback;
    if (value === undefined) throw new ConfigError(this.field(key), `is required (an integer ${min}..${max})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(this.field(key), `expected an integer ${min}..${max}, got ${describe(value)}`);
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'boolean') throw new ConfigError(this.field(key), `expected true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new ConfigError(this.field(key), `expected one of ${choices.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  url(key: string, protocols: readonly string[], fallback?: string): string {
    const value = this.string(key, fallback);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(this.field(key), `expected a URL (${protocols.join(', ')}), got ${describe(value)}`);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new ConfigError(this.field(key), `expected a ${protocols.join(' or ')} URL, got ${describe(value)}`);
    }
    return value.replace(/\/+$/, '');
  }

  /** A nested mapping; absent means an empty one (all defaults). */
  section(key: string): FieldReader {
    return new FieldReader(this.get(key), this.field(key));
  }

  /** A nested mapping that may be absent (feature off). */
  optionalSection(key: string): FieldReader | undefined {
    const value = this.get(key);
    if (value === undefined || value === null || value === false) return undefined;
    return new FieldReader(value, this.field(key));
  }

  /** A list of mappings (e.g. `dlms.meters`), each read with its index in the path; absent means empty. */
  list(key: string): FieldReader[] {
    const value = this.get(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new ConfigError(this.field(key), `expected a list, got ${describe(value)}`);
    return value.map((item, i) => new FieldReader(item, `${this.field(key)}[${i}]`));
  }

  /** An integer that may be absent (no default: the consumer decides). */
  optionalInt(key: string, min: number, max: number): number | undefined {
    if (this.has(key)) return this.int(key, min, max);
    this.seen.add(key);
    return undefined;
  }

  /** Refuses any field that no reader call asked for. Call after reading a section. */
  done(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) throw new ConfigError(this.field(key), 'unknown field (check the spelling; see gateway/README.md for the schema)');
    }
  }
}
