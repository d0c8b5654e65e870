export function readmes(): string[];
export function tsBlocks(markdown: string): Array<{ line: number; code: string }>;
export function writeDocSnippets(dir: string): string[];
