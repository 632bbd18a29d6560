/** An S0 pulse output (IEC 62053-31) on an ECMA-419 Digital input: one count per falling edge. */
import Digital from 'embedded:io/digital';
import { S0PulseCounter, type S0PulseCounterOptions } from '../../energy/s0-pulse-counter.js';

export function attachS0Input(pin: number, options: S0PulseCounterOptions): S0PulseCounter {
  const counter = new S0PulseCounter(options);
  new Digital({ pin, mode: Digital.InputPullUp, edge: Digital.Falling, onReadable: () => counter.pulse() });
  return counter;
}
