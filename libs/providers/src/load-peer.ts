import { MissingPeerDependencyError } from './provider.errors.js';

type Importer = (specifier: string) => Promise<unknown>;

// Indirection so a test can make the import fail exactly as a missing package would.
let importer: Importer = (specifier) => import(specifier);

/** For tests only: replace how peers are imported; returns a function restoring the real import. */
export function setPeerImporter(custom: Importer): () => void {
  const previous = importer;
  importer = custom;
  return () => {
    importer = previous;
  };
}

/**
 * Imports an optional SDK on first use. A missing package becomes MissingPeerDependencyError
 * ("npm install X"); any other failure (a broken install) is rethrown as it is.
 */
export async function loadPeer<T>(packageName: string, factory: string): Promise<T> {
  try {
    return (await importer(packageName)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new MissingPeerDependencyError(packageName, factory);
    throw err;
  }
}
