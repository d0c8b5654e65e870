import { MissingPeerDependencyError } from './memory.errors.js';

/**
 * Imports a module by its specifier, as dynamic `import()` does.
 * @inline
 */
type Importer = (specifier: string) => Promise<unknown>;

// Same contract as the providers' loader; memory must not depend on providers, so it keeps its own.
let importer: Importer = (specifier) => import(specifier);

/** For tests only: replace how drivers are imported; returns a function restoring the real import. */
export function setDriverImporter(custom: Importer): () => void {
  const previous = importer;
  importer = custom;
  return () => {
    importer = previous;
  };
}

/** Imports an optional driver on first use; a missing package says what to install. */
export async function loadDriver<T>(packageName: string, store: string): Promise<T> {
  try {
    return (await importer(packageName)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new MissingPeerDependencyError(packageName, store);
    throw err;
  }
}
