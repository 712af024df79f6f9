import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The data directory, created if needed, and a warning when others can look into it. */
export interface DataDir {
  path: string;
  /** One line for the banner and the log, or null when only the owner can read the directory. */
  warning: string | null;
}

/**
 * Creates the data directory owner-only (0700); the database and the admin-token hash live there. An
 * existing directory is left as it is, but a group- or world-readable one is reported: the audit log
 * holds every agent's activity, and the token hashes are in the database.
 * @example const { path, warning } = ensureDataDir('./.bollard'); if (warning) logger.warn(warning);
 */
export function ensureDataDir(dir: string): DataDir {
  const resolved = path.resolve(dir);
  mkdirSync(resolved, { recursive: true, mode: 0o700 });
  const mode = statSync(resolved).mode & 0o777;
  const warning =
    (mode & 0o077) === 0
      ? null
      : `The data directory ${resolved} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 700 ${resolved}`;
  return { path: resolved, warning };
}
