import { redactUrlPassword } from './url-password.redactor';

describe('redactUrlPassword', () => {
  it('masks the password and keeps user, host and database', () => {
    expect(redactUrlPassword('postgres://sluice:s3cret@db.internal:5432/sluice')).toBe('postgres://sluice:***@db.internal:5432/sluice');
  });

  it('leaves a URL without a password unchanged', () => {
    expect(redactUrlPassword('postgres://postgres@127.0.0.1:5432/sluice')).toBe('postgres://postgres@127.0.0.1:5432/sluice');
  });

  it('hides a value that is not a URL entirely, since it may be the secret itself', () => {
    expect(redactUrlPassword('s3cret')).toBe('[redacted]');
  });
});
