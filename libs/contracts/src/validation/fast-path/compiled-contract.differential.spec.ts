import { getMetadataStorage } from 'class-validator';
import { AcceptedInferenceRequestV1, AcceptedRequestV1 } from '../../accepted/accepted-request.v1';
import { LaneRequestV1, RoutingDecisionV1 } from '../../accepted/lane-request.v1';
import { EventErrorV1, LaneWeighingsV1, LaneWeighingV1, LIFECYCLE_EVENT_TYPES, LifecycleEventV1, ProgressV1 } from '../../event/lifecycle-event.v1';
import { DeadLetterHeadersV1 } from '../../headers/dlq.headers';
import { InferenceRequestV1, WebhookTargetV1 } from '../../request/inference-request.v1';
import { CostV1, InferenceResultV1, ResultErrorV1, TimingsV1, UsageV1 } from '../../result/inference-result.v1';
import { StreamChunkV1 } from '../../stream/stream-chunk.v1';
import { mutationsOf, MutationOptions } from '../../testing/message.mutations';
import {
  sampleAccepted,
  sampleDeadLetterHeaders,
  sampleEvent,
  sampleFailedResult,
  sampleLaneRequest,
  sampleRequest,
  sampleResult,
  sampleStreamChunk,
} from '../../testing/message.samples';
import { classValidatorOutcome } from '../class-validator.check';
import { validateMessage } from '../validate-message';
import { ValidationOutcome } from '../validation-outcome';
import { compiledContract } from './compiled-contract';

/**
 * The compiled check against class-validator itself (plainToInstance + validateSync, the path
 * validateMessage took before), on systematic mutations of valid messages:
 *  - whatever the compiled check accepts, class-validator accepts, with the same instance;
 *  - whatever class-validator accepts, the compiled check accepts, except the inputs it leaves to
 *    class-validator on purpose (leftToClassValidator);
 *  - validateMessage gives class-validator's outcome, errors included.
 */

type Plain = Record<string, unknown>;
type Cls = new () => object;

const names = (...classes: Function[]): string[] => [
  ...new Set(
    classes.flatMap((cls) =>
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', false, false)
        .map((m) => m.propertyName),
    ),
  ),
];
// Fields of other messages, tried in every object as well.
const FOREIGN = ['request', 'routing', 'status', 'type', 'lane'];
const REQUEST_FIELDS = [...names(InferenceRequestV1, WebhookTargetV1), ...FOREIGN];
const ACCEPTED_FIELDS = [...names(AcceptedRequestV1, AcceptedInferenceRequestV1), ...FOREIGN];
const LANE_FIELDS = [...names(LaneRequestV1, RoutingDecisionV1), ...FOREIGN];
const RESULT_FIELDS = [...names(InferenceResultV1, ResultErrorV1, UsageV1, CostV1, TimingsV1), ...FOREIGN];
const EVENT_FIELDS = [...names(LifecycleEventV1, EventErrorV1, ProgressV1, LaneWeighingsV1, LaneWeighingV1), ...FOREIGN];
// Provider bodies and responses, string maps: unknown keys are tried in them, other messages' fields are not.
const FREE_FORM = ['body', 'request.body', 'response', 'metadata', 'request.metadata'];

const minimalRequest = { tenant: 'acme', provider: 'anthropic', operation: 'embedding', body: { model: 'm' } };
const everyEventField = sampleEvent({
  error: { code: 'INTERNAL', message: 'm', field: 'body.model' },
  progress: { done: 1, total: 2 },
  batchId: 'b-1',
  providerBatchId: 'batch_1',
  resultId: 'acme.req-1.batch.1',
  provider: 'openai',
  model: 'gpt-4o-mini',
  operation: 'chat',
  costUsd: 0.1,
  savedUsd: -0.1,
  lanes: {
    realtime: { priceUsd: 0.01, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.01 },
    batch: { priceUsd: 0.005, missProbability: 0.25, meetProbability: 0.999, expectedCostUsd: 0.0075 },
  },
  deadlineMet: true,
  metadata: { a: 'b' },
});
// The least each event type needs.
const minimalEvents: Record<string, Plain> = {
  routed: { lane: 'batch', reason: 'r' },
  queued: { lane: 'async' },
  escalated: { lane: 'realtime', reason: 'r' },
  completed: { lane: 'batch', resultId: 'acme.req-1.batch.1' },
  rejected: { error: { code: 'MISSING_FIELD', message: 'm' } },
  failed: { error: { code: 'INTERNAL', message: 'm' } },
  progress: { progress: { done: 0, total: 1 } },
  batched: { batchId: 'b-1' },
};

interface Case {
  name: string;
  cls: Cls;
  base: Plain;
  options: MutationOptions;
}

const cases: Case[] = [
  { name: 'request', cls: InferenceRequestV1, base: sampleRequest(), options: { freeForm: FREE_FORM, fieldNames: REQUEST_FIELDS } },
  { name: 'request, minimal', cls: InferenceRequestV1, base: minimalRequest, options: { freeForm: FREE_FORM, fieldNames: REQUEST_FIELDS, brief: true } },
  {
    name: 'request, maxLatencyMs',
    cls: InferenceRequestV1,
    base: { ...minimalRequest, id: 'r', maxLatencyMs: 5000, notBefore: '2030-01-01T00:00:00Z', webhook: { url: 'http://localhost:9/x' } },
    options: { freeForm: FREE_FORM, fieldNames: REQUEST_FIELDS, brief: true },
  },
  { name: 'accepted', cls: AcceptedRequestV1, base: sampleAccepted(), options: { freeForm: FREE_FORM, fieldNames: ACCEPTED_FIELDS, briefUnder: ['request'] } },
  {
    name: 'accepted, minimal',
    cls: AcceptedRequestV1,
    base: { request: { ...minimalRequest, id: 'r' }, receivedAt: '2030-01-01T00:00:00Z', source: 'http' },
    options: { freeForm: FREE_FORM, fieldNames: ACCEPTED_FIELDS, brief: true },
  },
  { name: 'lane request', cls: LaneRequestV1, base: sampleLaneRequest(), options: { freeForm: FREE_FORM, fieldNames: LANE_FIELDS, briefUnder: ['request'] } },
  {
    name: 'lane request, escalated',
    cls: LaneRequestV1,
    base: sampleLaneRequest({
      deadline: undefined,
      routing: { lane: 'realtime', reason: 'r', estimatedCostUsd: 0, realtimeCostUsd: 0, routedAt: '2030-01-01T00:00:00Z', escalatedFrom: 'batch', attempt: 2 },
    }),
    options: { freeForm: FREE_FORM, fieldNames: LANE_FIELDS, brief: true },
  },
  { name: 'result', cls: InferenceResultV1, base: sampleResult(), options: { freeForm: FREE_FORM, fieldNames: RESULT_FIELDS } },
  { name: 'failed result', cls: InferenceResultV1, base: sampleFailedResult(), options: { freeForm: FREE_FORM, fieldNames: RESULT_FIELDS } },
  {
    name: 'result, minimal',
    cls: InferenceResultV1,
    base: sampleResult({
      deadline: undefined,
      deadlineMet: undefined,
      metadata: undefined,
      usage: { inputTokens: 1, outputTokens: 1 },
      timings: { receivedAt: '2030-01-01T00:00:00Z', completedAt: '2030-01-01T00:00:00Z' },
    }),
    options: { freeForm: FREE_FORM, fieldNames: RESULT_FIELDS, brief: true },
  },
  { name: 'event with every field', cls: LifecycleEventV1, base: everyEventField, options: { freeForm: FREE_FORM, fieldNames: EVENT_FIELDS } },
  ...LIFECYCLE_EVENT_TYPES.map((type) => {
    const { eventId, requestId, tenant, at } = sampleEvent();
    return {
      name: `event ${type}, minimal`,
      cls: LifecycleEventV1,
      base: { eventId, requestId, tenant, at, type, ...minimalEvents[type] },
      options: { freeForm: FREE_FORM, fieldNames: EVENT_FIELDS, brief: true },
    };
  }),
  { name: 'stream chunk', cls: StreamChunkV1, base: sampleStreamChunk({ final: true, finishReason: 'stop' }), options: { fieldNames: names(StreamChunkV1) } },
  { name: 'dead-letter headers', cls: DeadLetterHeadersV1, base: sampleDeadLetterHeaders(), options: { fieldNames: names(DeadLetterHeadersV1) } },
  { name: 'usage', cls: UsageV1, base: { inputTokens: 9, outputTokens: 2, cachedInputTokens: 0 }, options: { fieldNames: names(UsageV1, CostV1) } },
];

// JSON round trip: the sample helpers spread `undefined` overrides in, the wire has no such fields.
const wire = (plain: Plain): Plain => JSON.parse(JSON.stringify(plain)) as Plain;
// JSON text, key order included; a bigint (which a PassThrough body may hold) as text.
const json = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * Inputs class-validator may accept that the compiled check leaves to it (it returns undefined):
 * keys naming Object.prototype members (plainToInstance drops them, or throws) and values JSON
 * cannot carry (functions, boxed primitives, dates), which plainToInstance converts its own ways.
 */
function leftToClassValidator(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(leftToClassValidator);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return true;
  return Object.keys(value).some((key) => key in Object.prototype || leftToClassValidator((value as Plain)[key]));
}

function hasConstructorKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasConstructorKey);
  return Object.keys(value).some((key) => key === 'constructor' || hasConstructorKey((value as Plain)[key]));
}

type Reference = { outcome: ValidationOutcome<object> } | { threw: Error };

function reference(cls: Cls, plain: Plain): Reference {
  try {
    return { outcome: classValidatorOutcome(cls, plain) };
  } catch (error) {
    return { threw: error as Error };
  }
}

describe('the compiled check against class-validator', () => {
  it.each(cases)('$name: same verdict and value on every mutation', ({ cls, base, options }) => {
    const check = compiledContract(cls);
    if (check === undefined) throw new Error(`${cls.name} is not compiled`);
    const mutations = mutationsOf(wire(base), options);
    const failures: string[] = [];
    const tally = { accepted: 0, refused: 0, leftToClassValidator: 0, referenceThrew: 0 };
    mutations.forEach(({ label, plain }, index) => {
      let fast: object | undefined;
      try {
        fast = check(plain as Plain);
      } catch (error) {
        failures.push(`${label}: the compiled check threw ${(error as Error).message}`);
        return;
      }
      const expected = reference(cls, plain as Plain);
      if ('threw' in expected) {
        tally.referenceThrew++;
        // class-transformer throws on a `constructor` key in an object it copies (a PassThrough body
        // included); the compiled check does not copy PassThrough values, so it may accept those.
        if (!/reading 'constructor'/.test(expected.threw.message) || !hasConstructorKey(plain))
          failures.push(`${label}: class-validator threw ${expected.threw.message}`);
        return;
      }
      const { outcome } = expected;
      if (fast !== undefined) {
        tally.accepted++;
        if (!outcome.ok) failures.push(`${label}: accepted, class-validator refuses: ${outcome.errors.map((e) => e.message).join('; ')}`);
        else {
          // The same instance: classes, own keys (undefined ones too), order of keys.
          if (!(fast instanceof cls)) failures.push(`${label}: not an instance of ${cls.name}`);
          try {
            expect(fast).toStrictEqual(outcome.value);
          } catch {
            failures.push(`${label}: value differs from plainToInstance's`);
          }
          if (json(fast) !== json(outcome.value)) failures.push(`${label}: JSON differs`);
          const viaValidateMessage = validateMessage(cls, plain);
          if (!viaValidateMessage.ok || json(viaValidateMessage.value) !== json(outcome.value)) {
            failures.push(`${label}: validateMessage differs`);
          }
        }
        return;
      }
      tally.refused++;
      if (outcome.ok) {
        if (leftToClassValidator(plain)) tally.leftToClassValidator++;
        else failures.push(`${label}: refused, class-validator accepts`);
      }
      // validateMessage returns the compiled value or class-validator's outcome; spot-check the latter.
      if (index % 10 === 0) {
        try {
          expect(validateMessage(cls, plain)).toStrictEqual(outcome);
        } catch {
          failures.push(`${label}: validateMessage's outcome differs from class-validator's`);
        }
      }
    });
    expect(failures.slice(0, 20)).toEqual([]);
    // Not vacuous: valid and invalid variants both, and the unchanged base accepted.
    expect(tally.accepted).toBeGreaterThan(10);
    expect(tally.refused).toBeGreaterThan(tally.accepted);
    expect(check(wire(base))).toBeDefined();
  });
});
