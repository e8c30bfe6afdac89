import 'reflect-metadata';
import { startEmulator } from '../../apps/provider-emulator/src/bootstrap/emulator.bootstrap';

/**
 * `npm run emulator [-- --port 4010 --profile file.json --preset test --data-dir dir --seed 7]`:
 * runs the provider emulator from sources under tsx. Flags override the matching EMULATOR_* variables.
 */
const FLAGS: Record<string, string> = {
  '--port': 'EMULATOR_PORT',
  '--host': 'EMULATOR_HOST',
  '--profile': 'EMULATOR_PROFILE_FILE',
  '--data-dir': 'EMULATOR_DATA_DIR',
  '--seed': 'EMULATOR_SEED',
};

function envFromArgs(args: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] as string;
    const value = args[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--preset') {
      env.EMULATOR_PROFILE = JSON.stringify({ ...(env.EMULATOR_PROFILE ? JSON.parse(env.EMULATOR_PROFILE) : {}), preset: value });
    } else if (FLAGS[flag]) {
      env[FLAGS[flag] as string] = value;
    } else {
      throw new Error(`unknown flag ${flag} (known: ${[...Object.keys(FLAGS), '--preset'].join(', ')})`);
    }
  }
  return env;
}

startEmulator(envFromArgs(process.argv.slice(2))).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'provider-emulator', msg: message })}\n`);
  process.exit(1);
});
