import { DynamicModule, Module } from '@nestjs/common';
import { ConfigClass, Environment, loadConfig } from '../load/config.loader';
import { SluiceConfig } from '../schema/sluice.config';

/**
 * Provides the validated config under its own class (so a service injects `RouterConfig`) and under
 * `SluiceConfig` (so libraries read the shared variables without knowing the service).
 * Validation runs when the module is defined, before Nest starts: a bad environment fails the boot there.
 */
@Module({})
export class SluiceConfigModule {
  static forRoot<T extends SluiceConfig>(cls: ConfigClass<T>, env: Environment = process.env): DynamicModule {
    const config = loadConfig(cls, env);
    const tokens = [...new Set<ConfigClass<SluiceConfig>>([cls, SluiceConfig])];
    return {
      module: SluiceConfigModule,
      global: true,
      providers: tokens.map((token) => ({ provide: token, useValue: config })),
      exports: tokens,
    };
  }
}
