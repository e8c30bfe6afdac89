/**
 * A schema migration. Migrations are TypeScript modules exporting their SQL rather than `.sql`
 * files read from disk: a webpack-bundled app has no source tree to read them from, and a module
 * is bundled like any other import.
 */
export interface Migration {
  /** `NNN_name`, ordered by its numeric prefix; never renamed once released. */
  readonly id: string;
  readonly sql: string;
}
