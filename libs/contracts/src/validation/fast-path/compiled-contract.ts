import Ajv, { _, KeywordCxt } from 'ajv';
import { ClassPlan, CONDITIONS_KEYWORD, CONSTRAINT_KEYWORD, ConstraintCall, ContractPlan, planContract } from './contract.plan';

/**
 * The instance plainToInstance would build from `plain` when it is a valid message; `undefined` when
 * it is not, or when this cannot tell (the caller then asks class-validator, which knows the reasons).
 */
export type CompiledContract<T> = (plain: Record<string, unknown>) => T | undefined;

export type FastPathStatus = { compiled: true } | { compiled: false; reason: string };

function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * What plainToInstance makes of an object in a property without @Type: a copy with the same keys.
 * Only flat objects of plain values are copied here (string maps); for anything else, and for keys
 * plainToInstance treats specially (`constructor`, `toString`, …: dropped, or it throws), decline.
 */
function copyUntyped(value: Record<string, unknown>): Record<string, unknown> | undefined {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key in Object.prototype) return undefined;
    const entry = value[key];
    if ((typeof entry === 'object' && entry !== null) || typeof entry === 'function') return undefined;
    copy[key] = entry;
  }
  return copy;
}

/**
 * plainToInstance for JSON-shaped input, as its default options do it: a new instance (so field
 * initialisers supply the defaults), then every key of `plain` in order, nested message objects as
 * instances of their class, PassThrough values as the very object given, `undefined` kept.
 */
function materialise(plan: ClassPlan, plain: Record<string, unknown>): object | undefined {
  const instance = new plan.cls() as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    const property = plan.properties.get(key);
    // Unknown keys fail the whitelist, or are keys plainToInstance skips: class-validator reports them.
    if (property === undefined) return undefined;
    const value = plain[key];
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function') return undefined;
      instance[key] = value;
    } else if (!isPlainRecord(value)) {
      // Arrays, dates, buffers, class instances: plainToInstance converts each its own way.
      return undefined;
    } else if (property.passThrough) {
      instance[key] = value;
    } else {
      const rebuilt = property.nested !== undefined ? materialise(property.nested, value) : copyUntyped(value);
      if (rebuilt === undefined) return undefined;
      instance[key] = rebuilt;
    }
  }
  return instance;
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The constraint's own validate, with the arguments class-validator gives it. */
function callOf({ metadata, constraint }: ConstraintCall): (value: unknown, object: object) => boolean {
  const validator = constraint.instance;
  return (value, object) => {
    const valid = validator.validate(value, {
      targetName: object.constructor ? object.constructor.name : (undefined as unknown as string),
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    });
    // validateSync does not wait for a promise; neither can this, so it does not count as valid.
    return !isThenable(valid) && Boolean(valid);
  };
}

function compile<T>(plan: Extract<ContractPlan, { ok: true }>): CompiledContract<T> {
  // strictNumbers: NaN and ±Infinity are not numbers. No `u` flag: patterns are the very RegExps
  // class-validator tests. The first failure is enough: class-validator lists them all afterwards.
  const ajv = new Ajv({ strict: true, strictNumbers: true, unicodeRegExp: false, allErrors: false, validateFormats: false });
  // Both keywords generate a plain call: no context object, no error object (class-validator reports).
  ajv.addKeyword({
    keyword: CONSTRAINT_KEYWORD,
    schemaType: 'number',
    code: (cxt: KeywordCxt) => {
      const call = cxt.gen.scopeValue('keyword', { ref: callOf(plan.constraintCalls[cxt.schema as number]) });
      cxt.fail(_`!${call}(${cxt.data}, ${cxt.it.parentData})`);
    },
  });
  ajv.addKeyword({
    keyword: CONDITIONS_KEYWORD,
    schemaType: 'array',
    code: (cxt: KeywordCxt) => {
      const properties = (cxt.schema as number[]).map((index) => plan.conditionalProperties[index]);
      // class-validator validates an absent property when all its conditions hold for `undefined`;
      // whatever its validators say about `undefined`, requiring the property is at least as strict.
      const check = (object: Record<string, unknown>): boolean =>
        properties.every(({ property, conditions }) => object[property] !== undefined || !conditions.every((condition) => condition(object, undefined)));
      cxt.fail(_`!${cxt.gen.scopeValue('keyword', { ref: check })}(${cxt.data})`);
    },
  });
  const validate = ajv.compile(plan.schema);
  return (plain) => {
    if (!isPlainRecord(plain)) return undefined;
    const instance = materialise(plan.root, plain);
    return instance !== undefined && validate(instance) ? (instance as T) : undefined;
  };
}

const contracts = new WeakMap<Function, { status: FastPathStatus; check?: CompiledContract<unknown> }>();

function entry(cls: Function): { status: FastPathStatus; check?: CompiledContract<unknown> } {
  let found = contracts.get(cls);
  if (found === undefined) {
    const plan = planContract(cls);
    found = plan.ok ? { status: { compiled: true }, check: compile(plan) } : { status: { compiled: false, reason: plan.reason } };
    contracts.set(cls, found);
  }
  return found;
}

/** The compiled check of a message class, built on first use; `undefined` when the class declines. */
export function compiledContract<T>(cls: new () => T): CompiledContract<T> | undefined {
  return entry(cls).check as CompiledContract<T> | undefined;
}

/** Whether validateMessage has a compiled check for `cls`, and why not. */
export function fastPathStatus(cls: Function): FastPathStatus {
  return entry(cls).status;
}
