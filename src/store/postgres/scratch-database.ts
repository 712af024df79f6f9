import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throwaway database for one test file, so parallel files never share state. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(baseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `bollard_t_<random>` on the server `baseUrl` points at and returns its URL.
 * @example const db = await createScratchDatabase(process.env.DATABASE_URL); … await db.drop();
 */
export async function createScratchDatabase(baseUrl: string): Promise<ScratchDatabase> {
  const name = `bollard_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(baseUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdmin(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
