import { bootEmulator, type Harness } from './emulator.harness';

const ADMIN_KEY = 'admin-key-of-the-test-0001';

async function adminGet(harness: Harness, authorization?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.baseUrl}/_emulator/profiles`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, body: await response.json() };
}

describe('the emulator admin API behind a key (real HTTP)', () => {
  const harnesses: Harness[] = [];
  afterAll(() => Promise.all(harnesses.map((harness) => harness.close())));

  async function boot(env: Record<string, string>): Promise<Harness> {
    const harness = await bootEmulator({}, env);
    harnesses.push(harness);
    return harness;
  }

  it('answers only the admin key once EMULATOR_ADMIN_KEY is set', async () => {
    const harness = await boot({ EMULATOR_API_KEYS: 'sk-a', EMULATOR_ADMIN_KEY: ADMIN_KEY });
    expect(await adminGet(harness)).toMatchObject({ status: 401 });
    expect(await adminGet(harness, 'Bearer sk-a')).toMatchObject({ status: 401 });
    expect(await adminGet(harness, `Bearer ${ADMIN_KEY}x`)).toMatchObject({ status: 401 });
    expect(await adminGet(harness, `Bearer ${ADMIN_KEY}`)).toMatchObject({ status: 200 });
  });

  it('is closed when provider keys are set without an admin key, and open on a local emulator with neither', async () => {
    const closed = await boot({ EMULATOR_API_KEYS: 'sk-a' });
    const refused = await adminGet(closed, 'Bearer sk-a');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('EMULATOR_ADMIN_KEY');

    expect(await adminGet(await boot({}))).toMatchObject({ status: 200 });
  });
});
