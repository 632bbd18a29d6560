/**
 * Real radio libraries are optional: they need native builds and hardware that a gateway host
 * or a CI runner does not have. They are loaded only when a technician asks for that radio,
 * and their absence is one clear line, while everything else keeps working.
 */

/** A radio (or its library) is not available on this machine. */
export class RadioUnavailableError extends Error {
  readonly code = 'RADIO_UNAVAILABLE';
  override get name(): string {
    return 'RadioUnavailableError';
  }
}

/** `import(name)`, or RadioUnavailableError "<purpose> needs the optional package <name>: npm install <name>". */
export async function loadOptional<T>(name: string, purpose: string, importer: (specifier: string) => Promise<unknown> = (specifier) => import(specifier)): Promise<T> {
  try {
    return (await importer(name)) as T;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RadioUnavailableError(`${purpose} needs the optional package ${name}: npm install ${name}`, { cause });
    }
    throw new RadioUnavailableError(`${purpose}: the optional package ${name} failed to load (${(cause as Error).message}); reinstall it for this Node version`, { cause });
  }
}
