import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { EmulatorConfig } from '../config/emulator.config';
import { EMULATOR_CONFIG } from '../config/emulator.tokens';
import { sendJson } from '../http/reply.writer';
import { EmulatorLifecycle } from '../lifecycle/emulator.lifecycle';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    @Inject(EmulatorLifecycle) private readonly lifecycle: EmulatorLifecycle,
  ) {}

  @Get('live')
  live(@Res() reply: FastifyReply): void {
    sendJson(reply, 200, { status: 'ok' }, {});
  }

  /** Ready while not shutting down and the data directory (uploads, batch files) is writable. */
  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const dataDir = await access(this.config.dataDir, constants.W_OK).then(
      () => 'ok',
      () => 'not writable',
    );
    const ok = this.lifecycle.ready && dataDir === 'ok';
    sendJson(reply, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks: { dataDir, shuttingDown: !this.lifecycle.ready } }, {});
  }
}
