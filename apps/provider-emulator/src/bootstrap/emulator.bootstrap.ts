import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadEmulatorConfig } from '../config/emulator.config';
import { createEmulatorLogger } from '../logging/emulator.logger';
import { createEmulatorApp } from './emulator.app';

/** Boots the emulator from the environment and stops it cleanly on SIGTERM/SIGINT. */
export async function startEmulator(env: NodeJS.ProcessEnv = process.env): Promise<NestFastifyApplication> {
  const config = loadEmulatorConfig(env);
  const logger = createEmulatorLogger(config.logLevel);
  const app = await createEmulatorApp(config, logger);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      openaiBaseUrl: `http://${config.host}:${port}/v1`,
      anthropicBaseUrl: `http://${config.host}:${port}`,
      dataDir: config.dataDir,
      profileFile: config.profileFile ?? null,
    },
    'provider emulator listening',
  );
  return app;
}
