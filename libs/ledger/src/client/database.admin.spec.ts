import { databaseName, maintenanceUrl, withDatabaseName } from './database.admin';

describe('database URLs', () => {
  const url = 'postgres://postgres:secret@db.internal:6543/sluice?sslmode=require';

  it('points at the maintenance database of the same server, keeping credentials and options', () => {
    expect(maintenanceUrl(url)).toBe('postgres://postgres:secret@db.internal:6543/postgres?sslmode=require');
  });

  it('reads and replaces the database name', () => {
    expect(databaseName(url)).toBe('sluice');
    expect(withDatabaseName(url, 'sluice_test_1')).toBe('postgres://postgres:secret@db.internal:6543/sluice_test_1?sslmode=require');
  });

  it('refuses a URL without a database name', () => {
    expect(() => databaseName('postgres://postgres@127.0.0.1:5432')).toThrow(/no database name/);
  });
});
