import type { Command } from 'commander';
import type { ListOptions } from './catalog-view.js';

/** The catalog views, loaded when a command runs so `--help` does not load the whole catalog. */
type CatalogView = typeof import('./catalog-view.js');

/** Exit code for a usage error (unknown filter value, unknown endpoint), as commander uses for its own. */
const USAGE_ERROR = 2;

/** Runs an action, turning a usage error into a message on stderr and exit code 2. */
function guarded<A extends unknown[]>(
  action: (view: CatalogView, ...args: A) => void | Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const view = await import('./catalog-view.js');
    try {
      await action(view, ...args);
    } catch (error) {
      if (!(error instanceof view.UsageError)) throw error;
      console.error(`bollard catalog: ${error.message}`);
      process.exitCode = USAGE_ERROR;
    }
  };
}

/** `bollard catalog [show ID | events | areas]`: reads the catalog compiled into Bollard; no server needed. */
export function registerCatalogCommand(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('The WorkOS endpoints and webhook events Bollard knows (read locally; no server needed)');
  // The listing is the default subcommand rather than options on `catalog` itself: commander hands every
  // option after `catalog` to the parent first, so `catalog events --area sso` would filter endpoints.
  catalog
    .command('list', { isDefault: true })
    .description('List endpoints with area, access, permission and rate limits')
    .option('--area <area>', 'only this area')
    .option('--method <method>', 'only this HTTP method')
    .option('--access <access>', 'read or write')
    .option('--permission <permission>', 'only endpoints requiring exactly this permission (AREA:read|write)')
    .option('--search <text>', 'text in the path or summary')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  bollard catalog --area organizations --access write
  bollard catalog --method DELETE --search user
  bollard catalog --permission vault:read --json`,
    )
    .action(guarded((view, options: ListOptions) => view.listEndpoints(options)));
  catalog
    .command('show <endpoint>')
    .description(
      'Detail of one endpoint: an id, an SDK method, "METHOD /template" or "METHOD /concrete/path"; with how an organization pin applies and which fields constraints and redaction can name',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  bollard catalog show organizations.delete
  bollard catalog show userManagement.createUser
  bollard catalog show "DELETE /organizations/{id}"
  bollard catalog show "DELETE /organizations/org_01HXYZ"`,
    )
    .action(
      guarded((view, reference: string, options: { json?: boolean }) =>
        view.showEndpoint(reference, options),
      ),
    );
  catalog
    .command('events')
    .description('Webhook events with their area and trigger')
    .option('--area <area>', 'only this area')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  bollard catalog events --area directory_sync\n  bollard catalog events --json',
    )
    .action(guarded((view, options: { area?: string; json?: boolean }) => view.listEvents(options)));
  catalog
    .command('areas')
    .description('Permission areas')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  bollard catalog areas\n  bollard catalog areas --json')
    .action(guarded((view, options: { json?: boolean }) => view.listAreas(options)));
}
