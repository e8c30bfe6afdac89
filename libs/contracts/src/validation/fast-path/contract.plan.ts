import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { TransformationType } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { passThroughTransform } from '../message.decorators';

// class-transformer exports its metadata store only from this path (no `exports` map forbids it).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the path has no typings of its own, so the import is typed by hand
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage };

export type JsonSchema = Record<string, unknown>;
export type Condition = (object: object, value: unknown) => boolean;

/** One class-validator constraint, called by the compiled validator exactly as class-validator calls it. */
export interface ConstraintCall {
  metadata: ValidationMetadata;
  constraint: ConstraintMetadata;
}

/** A property validated only when its ValidateIf conditions hold: it must be present whenever they hold for "absent". */
export interface ConditionalProperty {
  property: string;
  conditions: Condition[];
}

/** How plainToInstance rebuilds one property of a message class. */
export interface PropertyPlan {
  /** @Type + @ValidateNested: an instance of the nested message class. */
  nested?: ClassPlan;
  /** @PassThrough: the very value that was parsed. */
  passThrough: boolean;
}

export interface ClassPlan {
  cls: new () => object;
  /** Key of the class's schema in the contract's `definitions`. */
  definition: string;
  properties: ReadonlyMap<string, PropertyPlan>;
}

export type ContractPlan =
  | {
      ok: true;
      root: ClassPlan;
      /** JSON Schema (draft-07 plus the two keywords below) for the instance plainToInstance would build. */
      schema: JsonSchema;
      /** Referenced by index from `classValidatorConstraint` keywords. */
      constraintCalls: ConstraintCall[];
      /** Referenced by index from `requiredWhenConditionsHold` keywords. */
      conditionalProperties: ConditionalProperty[];
    }
  | { ok: false; reason: string };

export const CONSTRAINT_KEYWORD = 'classValidatorConstraint';
export const CONDITIONS_KEYWORD = 'requiredWhenConditionsHold';

class Declined extends Error {}

function decline(reason: string): never {
  throw new Declined(reason);
}

/** Strings, finite numbers, booleans and null: `enum` compares them with ===, as isIn and isEnum do. */
function primitiveList(values: unknown): values is ReadonlyArray<string | number | boolean | null> {
  return (
    Array.isArray(values) && values.every((v) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
  );
}

/**
 * Built-in constraints whose JSON Schema keyword accepts a subset of what the constraint accepts
 * (equal, or stricter where noted). Ajv runs with strictNumbers (NaN and ±Infinity are not numbers)
 * and without the `u` flag on patterns (the very RegExp class-validator tests). Every other
 * constraint, built-in or ours, is called as class-validator calls it (CONSTRAINT_KEYWORD).
 */
const NATIVE: Readonly<Record<string, (constraints: readonly unknown[]) => JsonSchema | undefined>> = {
  // class-validator also takes boxed String and Boolean objects: stricter.
  isString: () => ({ type: 'string' }),
  isBoolean: () => ({ type: 'boolean' }),
  // Number.isInteger, and typeof number that is finite.
  isInt: () => ({ type: 'integer' }),
  // With strictNumbers NaN and ±Infinity never pass, whatever allowNaN/allowInfinity say: equal or stricter.
  isNumber: ([options]) => ((options as { maxDecimalPlaces?: number } | undefined)?.maxDecimalPlaces === undefined ? { type: 'number' } : undefined),
  min: ([bound]) => (typeof bound === 'number' && Number.isFinite(bound) ? { type: 'number', minimum: bound } : undefined),
  max: ([bound]) => (typeof bound === 'number' && Number.isFinite(bound) ? { type: 'number', maximum: bound } : undefined),
  isPositive: () => ({ type: 'number', exclusiveMinimum: 0 }),
  // Not minLength/maxLength: Ajv counts code points, validator.js also counts a character with its
  // variation selector as one, so they are called instead.
  // class-validator also takes functions: stricter.
  isObject: () => ({ type: 'object' }),
  // `undefined` never reaches a property schema: an absent property is handled by `required`.
  isDefined: () => ({ not: { type: 'null' } }),
  isIn: ([values]) => (primitiveList(values) ? { enum: [...values] } : undefined),
  isNotIn: ([values]) => (primitiveList(values) ? { not: { enum: [...values] } } : undefined),
  isEnum: ([entity]) => {
    if (typeof entity !== 'object' || entity === null) return undefined;
    const values = Object.keys(entity).map((key) => (entity as Record<string, unknown>)[key]);
    return primitiveList(values) ? { enum: values } : undefined;
  },
  matches: ([pattern, modifiers]) => {
    // A flag (or a modifiers argument) changes what the pattern means; only a bare pattern is the same text.
    if (pattern instanceof RegExp) return pattern.flags === '' ? { type: 'string', pattern: pattern.source } : undefined;
    return typeof pattern === 'string' && (modifiers === undefined || modifiers === '') ? { type: 'string', pattern } : undefined;
  },
};

class PlanBuilder {
  private readonly cvStorage = getMetadataStorage();
  private readonly plans = new Map<Function, ClassPlan>();
  readonly definitions: Record<string, JsonSchema> = {};
  readonly constraintCalls: ConstraintCall[] = [];
  readonly conditionalProperties: ConditionalProperty[] = [];

  classPlan(cls: Function): ClassPlan {
    const known = this.plans.get(cls);
    if (known !== undefined) return known;
    const properties = new Map<string, PropertyPlan>();
    const plan: ClassPlan = { cls: cls as new () => object, definition: `${cls.name}_${this.plans.size}`, properties };
    // Registered before its properties, so a class nested in itself refers to this plan.
    this.plans.set(cls, plan);

    // The very list class-validator validates an instance of `cls` against (inheritance, groups, always).
    const metadatas = this.cvStorage.getTargetValidationMetadatas(cls, '', false, false, undefined);
    // forbidUnknownValues: class-validator refuses an object of a class without metadata.
    if (metadatas.length === 0) decline(`${cls.name} has no validation metadata`);
    if (defaultMetadataStorage.getStrategy(cls) !== 'none') decline(`${cls.name} has a class-transformer strategy`);
    if (defaultMetadataStorage.getExposedMetadatas(cls).length > 0 || defaultMetadataStorage.getExcludedMetadatas(cls).length > 0) {
      decline(`${cls.name} uses @Expose or @Exclude`);
    }

    const sample = new (cls as new () => Record<string, unknown>)();
    const schemas: Record<string, JsonSchema> = {};
    const required: string[] = [];
    const conditionIndexes: number[] = [];
    for (const [property, propertyMetadatas] of Object.entries(this.cvStorage.groupByPropertyName(metadatas))) {
      // plainToInstance skips these keys, and prototype methods or getters of the same name.
      const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, property);
      if (property === '__proto__' || property === 'constructor' || (descriptor !== undefined && !descriptor.set) || sample[property] instanceof Function) {
        decline(`${cls.name}.${property} is a name plainToInstance skips`);
      }
      const { propertyPlan, schema, conditions } = this.property(cls, property, propertyMetadatas);
      properties.set(property, propertyPlan);
      schemas[property] = schema;
      if (conditions.length === 0) required.push(property);
      else conditionIndexes.push(this.conditionalProperties.push({ property, conditions }) - 1);
    }

    this.definitions[plan.definition] = {
      type: 'object',
      properties: schemas,
      ...(required.length > 0 ? { required } : {}),
      // The whitelist: a key without metadata is an error.
      additionalProperties: false,
      ...(conditionIndexes.length > 0 ? { [CONDITIONS_KEYWORD]: conditionIndexes } : {}),
    };
    return plan;
  }

  private property(
    cls: Function,
    property: string,
    metadatas: ValidationMetadata[],
  ): { propertyPlan: PropertyPlan; schema: JsonSchema; conditions: Condition[] } {
    const where = `${cls.name}.${property}`;
    const transforms = defaultMetadataStorage.findTransformMetadatas(cls, property, TransformationType.PLAIN_TO_CLASS);
    const passThrough = transforms.length === 1 && transforms[0].transformFn === passThroughTransform && isEmptyOptions(transforms[0].options);
    if (transforms.length > 0 && !passThrough) decline(`${where} has a transform other than PassThrough`);

    const typeMetadata = defaultMetadataStorage.findTypeMetadata(cls, property);
    const validatesNested = metadatas.some((m) => m.type === ValidationTypes.NESTED_VALIDATION);
    let nested: ClassPlan | undefined;
    if (typeMetadata !== undefined || validatesNested) {
      const typeFunction = typeMetadata?.typeFunction as ((options?: unknown) => unknown) | undefined;
      // A type that depends on the value (a discriminator, a function of the object) is only known per message.
      if (!validatesNested || passThrough || typeFunction === undefined || typeFunction.length > 0 || typeMetadata?.options?.discriminator) {
        decline(`${where}: only @Type(() => Class) with @ValidateNested is compiled`);
      }
      if (typeMetadata?.reflectedType === Map || typeMetadata?.reflectedType === Set || typeMetadata?.reflectedType === Array) {
        decline(`${where} is a collection of nested objects`);
      }
      const nestedClass = typeFunction();
      if (typeof nestedClass !== 'function') decline(`${where}: @Type returns no class`);
      nested = this.classPlan(nestedClass);
    }

    const fragments: JsonSchema[] = [];
    const conditions: Condition[] = [];
    for (const metadata of metadatas) {
      if (metadata.each) decline(`${where}: { each: true } is not compiled`);
      if (metadata.validateIf !== undefined) decline(`${where}: a per-constraint validateIf is not compiled`);
      switch (metadata.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints[0] as Condition);
          break;
        case ValidationTypes.NESTED_VALIDATION:
          fragments.push({ $ref: `#/definitions/${(nested as ClassPlan).definition}` });
          break;
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const constraints = this.cvStorage.getTargetValidatorConstraints(metadata.constraintCls);
          if (constraints.length !== 1) decline(`${where}: ${constraints.length} constraints behind one decorator`);
          const [constraint] = constraints;
          // validateSync skips async constraints; the fast path has nothing to skip them with.
          if (constraint.async) decline(`${where}: async constraint ${constraint.name}`);
          const native = NATIVE[constraint.name]?.(metadata.constraints ?? []);
          fragments.push(native ?? { [CONSTRAINT_KEYWORD]: this.constraintCalls.push({ metadata, constraint }) - 1 });
          break;
        }
        default:
          decline(`${where}: ${metadata.type} is not compiled`);
      }
    }
    // A conjunction, so order does not change the verdict: the keywords first, they are cheaper than calls.
    fragments.sort((a, b) => Number(CONSTRAINT_KEYWORD in a) - Number(CONSTRAINT_KEYWORD in b));
    const schema = fragments.length === 0 ? {} : fragments.length === 1 ? fragments[0] : { allOf: fragments };
    return { propertyPlan: { nested, passThrough }, schema, conditions };
  }
}

function isEmptyOptions(options: object | undefined): boolean {
  return options === undefined || Object.values(options).every((value) => value === undefined);
}

/**
 * Reads what class-validator and class-transformer know about `root` and the classes nested in it,
 * and states it as a JSON Schema for the instance plainToInstance would build, plus how to build
 * that instance. Declines (with the reason) when the metadata uses a feature this does not
 * reproduce exactly: such a class is always validated by class-validator itself.
 */
export function planContract(root: Function): ContractPlan {
  const builder = new PlanBuilder();
  try {
    const rootPlan = builder.classPlan(root);
    return {
      ok: true,
      root: rootPlan,
      schema: { $ref: `#/definitions/${rootPlan.definition}`, definitions: builder.definitions },
      constraintCalls: builder.constraintCalls,
      conditionalProperties: builder.conditionalProperties,
    };
  } catch (error) {
    if (error instanceof Declined) return { ok: false, reason: error.message };
    throw error;
  }
}
