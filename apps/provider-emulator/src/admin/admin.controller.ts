import { Body, Controller, Delete, Get, Inject, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { BillingLedger } from '../billing/billing.ledger';
import { AdminKeyGuard } from './admin-key.guard';
import { FAULT_KINDS, FaultInjector, FaultKind } from '../faults/fault.injector';
import { invalidRequest } from '../http/emulator.error';
import { sendJson } from '../http/reply.writer';
import { EmulatorLifecycle } from '../lifecycle/emulator.lifecycle';
import { parseProfilePatch, Preset, PRESETS, ProfileError } from '../profiles/behaviour.profile';
import { ProfileRegistry } from '../profiles/profile.registry';

const DEFAULT = 'default';

/** Runtime control for tests and demos: profiles, armed faults, billing, reset. */
@Controller('_emulator')
@UseGuards(AdminKeyGuard)
export class AdminController {
  constructor(
    @Inject(ProfileRegistry) private readonly profiles: ProfileRegistry,
    @Inject(FaultInjector) private readonly faults: FaultInjector,
    @Inject(BillingLedger) private readonly billing: BillingLedger,
    @Inject(EmulatorLifecycle) private readonly lifecycle: EmulatorLifecycle,
  ) {}

  @Get('profiles')
  all(@Res() reply: FastifyReply): void {
    sendJson(reply, 200, this.profiles.snapshot(), {});
  }

  @Get('profiles/:model')
  one(@Res() reply: FastifyReply, @Param('model') model: string): void {
    const body =
      model === DEFAULT
        ? { model, preset: this.profiles.snapshot().preset, effective: this.profiles.defaultProfile() }
        : { model, patch: this.profiles.modelPatch(model) ?? null, effective: this.profiles.forModel(model) };
    sendJson(reply, 200, body, {});
  }

  /** Replaces the model's patch (or, for `default`, the default patch; `?preset=` switches preset). */
  @Put('profiles/:model')
  put(@Res() reply: FastifyReply, @Param('model') model: string, @Body() body: unknown, @Query('preset') preset?: string): void {
    const effective = this.guard(() => {
      const patch = parseProfilePatch(body ?? {}, model);
      if (model !== DEFAULT) return this.profiles.setModel(model, patch);
      if (preset !== undefined && !PRESETS.includes(preset as Preset)) {
        throw new ProfileError(`preset must be one of ${PRESETS.join(', ')}`);
      }
      return this.profiles.setDefault(patch, preset as Preset | undefined);
    });
    sendJson(reply, 200, { model, patch: body ?? {}, effective }, {});
  }

  @Delete('profiles/:model')
  remove(@Res() reply: FastifyReply, @Param('model') model: string): void {
    sendJson(reply, 200, { model, deleted: this.profiles.removeModel(model) }, {});
  }

  /** Arms `count` faults of `kind` for the model's next requests (`*` = any model). */
  @Post('faults/:model')
  arm(@Res() reply: FastifyReply, @Param('model') model: string, @Body() body: unknown): void {
    const { kind, count = 1 } = (body ?? {}) as { kind?: unknown; count?: unknown };
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw invalidRequest(`kind must be one of ${FAULT_KINDS.join(', ')}`, 'kind');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw invalidRequest('count must be a positive integer', 'count');
    sendJson(reply, 200, { model, armed: this.faults.arm(model, kind as FaultKind, count) }, {});
  }

  @Get('faults')
  faultStats(@Res() reply: FastifyReply): void {
    sendJson(reply, 200, this.faults.stats(), {});
  }

  @Put('seed')
  seed(@Res() reply: FastifyReply, @Body() body: unknown): void {
    const seed = (body as { seed?: unknown } | undefined)?.seed;
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) throw invalidRequest('seed must be a non-negative integer', 'seed');
    this.profiles.setSeed(seed);
    sendJson(reply, 200, { seed }, {});
  }

  /** Everything back to the boot state: profiles, faults, limits, files, batches, billing. */
  @Post('reset')
  async reset(@Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    const seed = (body as { seed?: unknown } | undefined)?.seed;
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)) {
      throw invalidRequest('seed must be a non-negative integer', 'seed');
    }
    await this.lifecycle.reset(seed as number | undefined);
    sendJson(reply, 200, { reset: true, seed: this.profiles.getSeed() }, {});
  }

  /** Totals per key (or for every key when apiKey is absent), grouped by model, tier and kind. */
  @Get('billing')
  billingTotals(@Res() reply: FastifyReply, @Query('apiKey') apiKey?: string): void {
    sendJson(reply, 200, apiKey === undefined ? this.billing.all() : this.billing.forKey(apiKey), {});
  }

  /** Every billed call and batch line as JSONL, oldest first. */
  @Get('billing/records')
  billingRecords(@Res() reply: FastifyReply, @Query('apiKey') apiKey?: string): void {
    const billing = this.billing;
    async function* lines(): AsyncGenerator<string> {
      for await (const record of billing.records(apiKey)) yield `${JSON.stringify(record)}\n`;
    }
    reply.code(200).header('content-type', 'application/x-jsonl').send(Readable.from(lines()));
  }

  private guard<T>(change: () => T): T {
    try {
      return change();
    } catch (error) {
      if (error instanceof ProfileError) throw invalidRequest(error.message);
      throw error;
    }
  }
}
