import { DynamicModule, Module } from '@nestjs/common';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AdminController } from './admin/admin.controller';
import { MessageBatchesController } from './anthropic/batches/message-batches.controller';
import { MessageBatchService } from './anthropic/batches/message-batch.service';
import { MessagesController } from './anthropic/messages/messages.controller';
import { BillingLedger } from './billing/billing.ledger';
import type { EmulatorConfig } from './config/emulator.config';
import { EMULATOR_CONFIG, EMULATOR_LOGGER } from './config/emulator.tokens';
import { FaultInjector } from './faults/fault.injector';
import { HealthController } from './health/health.controller';
import { HeldConnections } from './http/held.connections';
import { EmulatorLifecycle } from './lifecycle/emulator.lifecycle';
import { RateLimiter } from './limits/rate.limiter';
import { BatchesController } from './openai/batches/batches.controller';
import { OpenAIBatchService } from './openai/batches/openai-batch.service';
import { ChatCompletionsController } from './openai/chat/chat-completions.controller';
import { EmbeddingsController } from './openai/embeddings/embeddings.controller';
import { FilesController } from './openai/files/files.controller';
import { FileStore } from './openai/files/file.store';
import { loadProfileSources, ProfileRegistry } from './profiles/profile.registry';
import { RealtimeGate } from './realtime/realtime.gate';

/**
 * Composition root. The emulator's parts are plain classes built here by factories with explicit
 * tokens, so the app boots the same under tsc, webpack and tsx (no decorator metadata needed).
 */
@Module({})
export class ProviderEmulatorModule {
  static forRoot(config: EmulatorConfig, logger: Logger): DynamicModule {
    return {
      module: ProviderEmulatorModule,
      controllers: [
        ChatCompletionsController,
        EmbeddingsController,
        FilesController,
        BatchesController,
        MessagesController,
        MessageBatchesController,
        AdminController,
        HealthController,
      ],
      providers: [
        { provide: EMULATOR_CONFIG, useValue: config },
        { provide: EMULATOR_LOGGER, useValue: logger },
        {
          provide: ProfileRegistry,
          useFactory: () => new ProfileRegistry(loadProfileSources(config.profileFile, config.profileJson), config.seed),
        },
        { provide: FaultInjector, useValue: new FaultInjector() },
        { provide: RateLimiter, useValue: new RateLimiter() },
        { provide: HeldConnections, useValue: new HeldConnections() },
        { provide: BillingLedger, useFactory: () => new BillingLedger(join(config.dataDir, 'billing.jsonl')) },
        { provide: FileStore, useFactory: () => new FileStore(config.dataDir) },
        {
          provide: RealtimeGate,
          inject: [ProfileRegistry, FaultInjector, RateLimiter, HeldConnections],
          useFactory: (profiles: ProfileRegistry, faults: FaultInjector, limiter: RateLimiter, held: HeldConnections) =>
            new RealtimeGate(profiles, faults, limiter, held),
        },
        {
          provide: OpenAIBatchService,
          inject: [FileStore, BillingLedger, ProfileRegistry, FaultInjector],
          useFactory: (files: FileStore, billing: BillingLedger, profiles: ProfileRegistry, faults: FaultInjector) =>
            new OpenAIBatchService({ files, billing, profiles, faults, logger, workDir: join(config.dataDir, 'openai-batches') }),
        },
        {
          provide: MessageBatchService,
          inject: [BillingLedger, ProfileRegistry, FaultInjector],
          useFactory: (billing: BillingLedger, profiles: ProfileRegistry, faults: FaultInjector) =>
            new MessageBatchService({ billing, profiles, faults, logger, workDir: join(config.dataDir, 'anthropic-batches') }),
        },
        {
          provide: EmulatorLifecycle,
          inject: [ProfileRegistry, FaultInjector, RateLimiter, HeldConnections, BillingLedger, FileStore, OpenAIBatchService, MessageBatchService],
          useFactory: (
            profiles: ProfileRegistry,
            faults: FaultInjector,
            limiter: RateLimiter,
            held: HeldConnections,
            billing: BillingLedger,
            files: FileStore,
            openaiBatches: OpenAIBatchService,
            messageBatches: MessageBatchService,
          ) =>
            new EmulatorLifecycle({
              profiles,
              faults,
              limiter,
              held,
              billing,
              files,
              openaiBatches,
              messageBatches,
              logger,
              temporaryDataDir: config.dataDirIsTemporary ? config.dataDir : undefined,
            }),
        },
      ],
    };
  }
}
