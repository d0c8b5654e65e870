import { loadPeer, MissingPeerDependencyError } from '@agentnest/providers';

const SDK = '@modelcontextprotocol/sdk';

/** Loads a module of the SDK (an optional peer); a missing SDK is reported as the package to install, not the subpath. */
export async function sdk<T>(path: string): Promise<T> {
  try {
    return await loadPeer<T>(`${SDK}/${path}`, 'mcpClient');
  } catch (err) {
    if (err instanceof MissingPeerDependencyError) throw new MissingPeerDependencyError(SDK, 'mcpClient');
    throw err;
  }
}
