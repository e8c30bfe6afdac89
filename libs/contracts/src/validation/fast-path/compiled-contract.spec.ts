import { Transform, Type } from 'class-transformer';
import { getMetadataStorage, IsInt, IsString, ValidateNested } from 'class-validator';
import * as contracts from '../../index';
import { InferenceRequestV1 } from '../../request/inference-request.v1';
import { LifecycleEventV1 } from '../../event/lifecycle-event.v1';
import { LaneRequestV1 } from '../../accepted/lane-request.v1';
import { sampleEvent, sampleLaneRequest, sampleRequest } from '../../testing/message.samples';
import { classValidatorOutcome } from '../class-validator.check';
import { validateMessage } from '../validate-message';
import { compiledContract, fastPathStatus } from './compiled-contract';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

class Tagged {
  @IsString({ each: true })
  tags!: string[];
}

class Trimmed {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  name!: string;
}

class Untyped {
  @ValidateNested()
  child!: object;
}

class Counted {
  @IsInt()
  count!: number;
}

class Listed {
  @ValidateNested()
  @Type(() => Counted)
  items!: Counted[];
}

class Bare {
  name?: string;
}

describe('compiled contracts', () => {
  it('compile every message class of the contracts', () => {
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, unknown[]> };
    const classes = (Object.values(contracts) as unknown[]).filter(
      (value): value is Function => typeof value === 'function' && storage.validationMetadatas.has(value),
    );
    expect(classes.length).toBeGreaterThan(10);
    expect(classes.map((cls) => [cls.name, fastPathStatus(cls)])).toEqual(classes.map((cls) => [cls.name, { compiled: true }]));
  });

  it.each([
    [Tagged, /each: true/],
    [Trimmed, /transform other than PassThrough/],
    [Untyped, /only @Type\(\(\) => Class\) with @ValidateNested/],
    [Bare, /no validation metadata/],
  ])('decline %p, which class-validator then validates alone', (cls, reason) => {
    expect(fastPathStatus(cls)).toEqual({ compiled: false, reason: expect.stringMatching(reason) });
    expect(compiledContract(cls as new () => object)).toBeUndefined();
  });

  it('leave an array of nested objects to class-validator', () => {
    // Compiled (a single nested object would pass), but an array is never materialised.
    const plain = { items: [{ count: 1 }] };
    expect(compiledContract(Listed)?.(plain)).toBeUndefined();
    expect(validateMessage(Listed, plain)).toEqual(classValidatorOutcome(Listed, plain));
  });

  it('return an instance with the defaults of the class, leaving the input as it was', () => {
    const { mode: _mode, stream: _stream, cache: _cache, ...withoutDefaults } = sampleRequest();
    const plain = deepFreeze(withoutDefaults);
    const value = compiledContract(InferenceRequestV1)?.(plain);
    expect(value).toBeInstanceOf(InferenceRequestV1);
    expect(value).toMatchObject({ mode: 'auto', stream: false, cache: true });
    expect({ ok: true, value }).toStrictEqual(classValidatorOutcome(InferenceRequestV1, plain));
  });

  it('keep PassThrough values as the very objects given, and rebuild nested messages as instances', () => {
    const plain = sampleLaneRequest();
    const value = compiledContract(LaneRequestV1)?.(plain);
    const request = plain.request as Record<string, unknown>;
    expect(value?.request.body).toBe(request.body);
    expect(value?.request.metadata).toBe(request.metadata);
    expect(value?.request.webhook).not.toBe(request.webhook);
    expect(value?.routing).toBeInstanceOf(contracts.RoutingDecisionV1);
  });

  it('copy a string map that is not PassThrough, as plainToInstance does', () => {
    const plain = sampleEvent({ metadata: { a: 'b' } });
    const value = compiledContract(LifecycleEventV1)?.(plain);
    expect(value?.metadata).toEqual({ a: 'b' });
    expect(value?.metadata).not.toBe(plain.metadata);
  });

  // plainToInstance copies a PassThrough value before dropping the copy, and the copy of an object
  // with a `constructor` key throws; the compiled check does not copy, so such a request is valid.
  it('accept a provider body with a `constructor` key, on which class-validator alone threw', () => {
    const plain = JSON.parse(
      JSON.stringify(sampleRequest({ body: { model: 'm', response_format: { schema: { properties: { constructor: { type: 'string' } } } } } })),
    ) as object;
    expect(() => classValidatorOutcome(InferenceRequestV1, plain)).toThrow(/constructor/);
    expect(validateMessage(InferenceRequestV1, plain)).toMatchObject({ ok: true, value: { body: { model: 'm' } } });
  });

  it('leave keys named like Object.prototype members to class-validator, which drops them', () => {
    const plain = JSON.parse('{"__proto__":{"x":1},"constructor":"x","toString":"x"}') as object;
    const message = { ...sampleRequest(), ...plain };
    expect(compiledContract(InferenceRequestV1)?.(message)).toBeUndefined();
    expect(validateMessage(InferenceRequestV1, message)).toEqual(classValidatorOutcome(InferenceRequestV1, message));
  });
});
