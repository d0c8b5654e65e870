export function readmes(): string[];
export function tsBlocks(markdown: string): Array<{ line: number; code: string; ext: 'ts' | 'tsx' }>;
export function writeDocSnippets(dir: string): string[];
export function anchorOf(heading: string): string;
export function anchorsOf(markdown: string): Set<string>;
export function brokenLinks(pages?: string[]): string[];
