import 'reflect-metadata';
import { startEmulator } from './bootstrap/emulator.bootstrap';

startEmulator().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration), so the failure is written as one JSON line here.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'provider-emulator', msg: message })}\n`);
  process.exit(1);
});
