import { databaseNameOf, localDatabaseUrl, maintenanceUrl, redactUrl } from './database.url';

describe('database URLs', () => {
  it('redacts passwords and only passwords', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/sluice')).toBe('postgres://app:***@db:5432/sluice');
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/sluice')).toBe('postgres://postgres@127.0.0.1:5432/sluice');
    expect(redactUrl('not a url')).toBe('(unparseable database URL)');
  });

  it('names the database and its maintenance sibling on the same server', () => {
    expect(databaseNameOf('postgres://u:p@h:1/my%20db')).toBe('my db');
    expect(() => databaseNameOf('postgres://h:1/')).toThrow('names no database');
    expect(maintenanceUrl('postgres://u:p@h:1/sluice?sslmode=disable')).toBe('postgres://u:p@h:1/postgres?sslmode=disable');
  });

  it('builds the trust-auth URL of a local server', () => {
    expect(localDatabaseUrl(5433, 'sluice')).toBe('postgres://postgres@127.0.0.1:5433/sluice');
  });
});
