export function readmes(): string[];
export function tsBlocks(markdown: string): Array<{ line: number; code: string; ext: 'ts' | 'tsx' }>;
export function writeDocSnippets(dir: string): string[];
