/**
 * The shapes of the Moddable SDK modules the XS adapters use, as far as the adapters use
 * them (Moddable SDK documentation: Preference, Flash, Timer, Time, SNTP, ECMA-419 IO
 * Digital and MQTT client). They resolve on the device build, not under Node.
 */

declare module 'preference' {
  /** ESP32 NVS: keys of at most 15 characters, each set committed before it returns. */
  export default class Preference {
    static get(domain: string, key: string): ArrayBuffer | string | number | boolean | undefined;
    static set(domain: string, key: string, value: ArrayBuffer | string | number | boolean): void;
    static delete(domain: string, key: string): void;
    static keys(domain: string): string[];
  }
}

declare module 'flash' {
  /** A named flash partition: erase by sector, write after erase, read anywhere. */
  export default class Flash {
    constructor(partition: string);
    readonly byteLength: number;
    readonly blockSize: number;
    erase(sector: number): void;
    read(offset: number, byteLength: number): ArrayBuffer;
    write(offset: number, byteLength: number, buffer: ArrayBuffer): void;
  }
}

declare module 'timer' {
  export default class Timer {
    static set(callback: () => void, ms: number): object;
    static clear(id: object): void;
  }
}

declare module 'time' {
  export default class Time {
    /** Milliseconds since boot, monotonic. */
    static readonly ticks: number;
    static set(seconds: number): void;
  }
}

declare module 'sntp' {
  export default class SNTP {
    static readonly time: 1;
    static readonly retry: 2;
    static readonly error: -1;
    constructor(options: { host: string }, callback: (message: number, value?: number) => number | void);
    close(): void;
  }
}

declare module 'embedded:io/digital' {
  export default class Digital {
    static readonly Input: number;
    static readonly InputPullUp: number;
    static readonly Falling: number;
    constructor(options: { pin: number; mode: number; edge?: number; onReadable?: () => void });
    read(): number;
    close(): void;
  }
}

declare module 'embedded:network/mqtt/client' {
  interface ReadableOptions { more: boolean; topic?: string; QoS?: number; byteLength?: number; retain?: boolean }
  interface ControlMessage { operation: number; id: number; payload?: ArrayBuffer }
  interface Options {
    host: string;
    port?: number;
    id?: string;
    user?: string;
    password?: string;
    clean?: boolean;
    keepAlive?: number;
    will?: { topic: string; message: ArrayBuffer; QoS: number; retain: boolean };
    onReadable?: (this: MQTTClient, count: number, options: ReadableOptions) => void;
    onControl?: (this: MQTTClient, operation: number, message: ControlMessage) => void;
    onError?: (this: MQTTClient) => void;
    onClose?: (this: MQTTClient) => void;
  }
  export default class MQTTClient {
    static readonly CONNACK: number;
    static readonly PUBLISH: number;
    static readonly PUBACK: number;
    static readonly SUBSCRIBE: number;
    static readonly SUBACK: number;
    static readonly DISCONNECT: number;
    constructor(options: Options);
    read(count: number): ArrayBuffer;
    write(data: ArrayBuffer | null, options: { operation: number; topic?: string; QoS?: number; retain?: boolean; id?: number; items?: Array<{ topic: string; QoS: number }> }): number;
    close(): void;
  }
}

declare module 'hw-random' {
  /** Fills the buffer from the ESP32 hardware RNG (esp_fill_random); native, see hw-random.c. */
  export default function fill(buffer: ArrayBuffer): void;
}

declare module 'mc/config' {
  const config: Record<string, unknown>;
  export default config;
}
