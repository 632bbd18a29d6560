/**
 * What the benches measure beside wall time: the main thread's own CPU time, V8's GC pauses
 * inside a timed section, and V8 CPU or allocation profiles written on request.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** CPU time (user + system, µs) of this process's main thread from /proc on Linux; undefined elsewhere. */
export function mainThreadCpuUs(): number | undefined {
  const path = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(path)) return undefined;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15, in clock ticks (USER_HZ = 100).
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export interface GcWatch {
  /** Stops watching; the pauses that started in [fromMs, toMs) of performance.now(). */
  stop(fromMs: number, toMs: number): Promise<{ readonly pauseMs: number; readonly count: number; readonly majors: number }>;
}

/** Starts recording V8's GC pauses. */
export function watchGc(): GcWatch {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => void entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop(fromMs, toMs) {
      // GC entries arrive after the fact: let them come in before reading them.
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      const timed = entries.filter((e) => e.startTime >= fromMs && e.startTime < toMs);
      return {
        pauseMs: timed.reduce((sum, e) => sum + e.duration, 0),
        count: timed.length,
        majors: timed.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length,
      };
    },
  };
}

/**
 * Starts a V8 profile of this thread: CPU samples every 250 µs, or allocations sampled every
 * 4 KiB (kept or collected). The returned function stops it and writes it to `file`.
 */
async function startProfile(file: string, kind: 'cpu' | 'heap'): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
  if (kind === 'heap') {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  } else {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 250 });
    await post('Profiler.start');
  }
  return async () => {
    const { profile } = await post<{ profile: unknown }>(kind === 'heap' ? 'HeapProfiler.stopSampling' : 'Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
  };
}

/** The profiles asked for by WL_PROFILE=FILE (CPU) and WL_HEAP_PROFILE=FILE (allocations); the returned function stops and writes them. */
export async function startProfilesFromEnv(): Promise<() => Promise<void>> {
  const cpu = process.env['WL_PROFILE'];
  const heap = process.env['WL_HEAP_PROFILE'];
  const stops = [...(cpu ? [await startProfile(cpu, 'cpu')] : []), ...(heap ? [await startProfile(heap, 'heap')] : [])];
  return async () => {
    for (const stop of stops) await stop();
  };
}
