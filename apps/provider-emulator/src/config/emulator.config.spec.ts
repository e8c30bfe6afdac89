import { configTableMarkdown, ConfigValidationError, describeConfig } from '@sluice/config';
import { loadEmulatorConfig, ProviderEmulatorEnv } from './emulator.config';

describe('emulator config', () => {
  it('applies defaults, preferring EMULATOR_PORT over PORT', () => {
    const config = loadEmulatorConfig({ EMULATOR_DATA_DIR: '/tmp/x' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4010, dataDir: '/tmp/x', dataDirIsTemporary: false, seed: undefined, apiKeys: [] });
    expect(loadEmulatorConfig({ PORT: '5000', EMULATOR_DATA_DIR: '/tmp/x' }).port).toBe(5000);
    expect(loadEmulatorConfig({ PORT: '5000', EMULATOR_PORT: '0', EMULATOR_DATA_DIR: '/tmp/x' }).port).toBe(0);
    expect(loadEmulatorConfig({ EMULATOR_API_KEYS: 'a, b', EMULATOR_DATA_DIR: '/tmp/x' }).apiKeys).toEqual(['a', 'b']);
    expect(loadEmulatorConfig({ EMULATOR_PUBLIC_URL: 'http://emu:4010/', EMULATOR_DATA_DIR: '/tmp/x' }).publicUrl).toBe('http://emu:4010');
  });

  it('names every variable that is wrong', () => {
    const load = (): unknown =>
      loadEmulatorConfig({ EMULATOR_PORT: 'http', LOG_LEVEL: 'loud', EMULATOR_SEED: '-1', EMULATOR_PUBLIC_URL: 'localhost', EMULATOR_DATA_DIR: '/tmp/x' });
    expect(load).toThrow(ConfigValidationError);
    try {
      load();
    } catch (error) {
      const names = (error as ConfigValidationError).problems.map((problem) => problem.split(' ')[0]);
      expect(names.sort()).toEqual(['EMULATOR_PORT', 'EMULATOR_PUBLIC_URL', 'EMULATOR_SEED', 'LOG_LEVEL']);
    }
  });

  it('describes every variable for the README table', () => {
    const table = configTableMarkdown(describeConfig(ProviderEmulatorEnv));
    for (const name of ['EMULATOR_PORT', 'EMULATOR_DATA_DIR', 'EMULATOR_PROFILE_FILE', 'EMULATOR_SEED', 'LOG_LEVEL']) {
      expect(table).toContain(`\`${name}\``);
    }
  });
});
