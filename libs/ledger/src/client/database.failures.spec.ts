import { DependencyUnavailableError } from '@sluice/contracts';
import { asDependencyFailure, isConnectionFailure } from './database.failures';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('database failures', () => {
  it('calls unreachable servers, lost connections and closed databases outages', () => {
    const outages = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      withCode('database "sluice" is not currently accepting connections', '55000'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
    ];
    for (const error of outages) expect([error.message, isConnectionFailure(error)]).toEqual([error.message, true]);
  });

  it("leaves errors that are the statement's own as they are", () => {
    const statementErrors = [
      withCode('duplicate key value violates unique constraint "requests_pkey"', '23505'),
      withCode('could not serialize access due to concurrent update', '40001'),
      withCode('relation "nope" does not exist', '42P01'),
      withCode('object is in an invalid state', '55000'),
      new TypeError('x is undefined'),
    ];
    for (const error of statementErrors) {
      expect(isConnectionFailure(error)).toBe(false);
      expect(asDependencyFailure(error)).toBe(error);
    }
    expect(isConnectionFailure('Connection terminated')).toBe(false);
  });

  it('reports an outage as the ledger database being unavailable, with the original as its cause', () => {
    const original = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    const reported = asDependencyFailure(original) as DependencyUnavailableError;
    expect(reported).toBeInstanceOf(DependencyUnavailableError);
    expect(reported).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'the ledger database', cause: original });
    expect(reported.message).toBe('the ledger database is unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    expect(asDependencyFailure(reported)).toBe(reported);
  });
});
