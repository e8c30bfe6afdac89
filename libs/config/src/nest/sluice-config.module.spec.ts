import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigValidationError } from '../load/config.loader';
import { SluiceConfig } from '../schema/sluice.config';
import { SluiceConfigModule } from './sluice-config.module';

class RouterConfig extends SluiceConfig {
  override PORT = 3001;
}

@Injectable()
class NeedsBoth {
  constructor(
    readonly own: RouterConfig,
    readonly shared: SluiceConfig,
  ) {}
}

describe('SluiceConfigModule', () => {
  it('provides one validated instance under the service class and SluiceConfig', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SluiceConfigModule.forRoot(RouterConfig, { LOG_LEVEL: 'warn' })],
      providers: [NeedsBoth],
    }).compile();
    const { own, shared } = moduleRef.get(NeedsBoth);
    expect(own).toBeInstanceOf(RouterConfig);
    expect(own).toBe(shared);
    expect(own.PORT).toBe(3001);
    expect(own.LOG_LEVEL).toBe('warn');
  });

  it('fails when the module is defined, before the application starts', () => {
    expect(() => SluiceConfigModule.forRoot(RouterConfig, { PORT: 'abc' })).toThrow(ConfigValidationError);
  });
});
