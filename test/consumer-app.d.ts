export const LIBS: string[];
export interface PackedLib { lib: string; tarball: string; files: string[] }
export function packLibs(work: string): Promise<PackedLib[]>;
export function lockedVersions(lockPath?: string): Record<string, string>;
export function writeApp(dir: string, opts?: { pins?: Record<string, string> }): string;
export function installApp(dir: string, tarballs: string[], opts?: { offline?: boolean }): Promise<{ stdout: string; stderr: string }>;
export function buildApp(dir: string): Promise<{ stdout: string; stderr: string }>;
export function testApp(dir: string, env?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
export function installedVersions(dir: string): Promise<Map<string, string>>;
