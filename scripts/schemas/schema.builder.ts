import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadataArrayToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import * as contracts from '@sluice/contracts';
import {
  AcceptedRequestV1,
  ConstraintNames,
  DeadLetterHeadersV1,
  INSTANT_PATTERN,
  InferenceRequestV1,
  InferenceResultV1,
  LaneRequestV1,
  LifecycleEventV1,
  StreamChunkV1,
  WEBHOOK_URL_MAX_LENGTH,
} from '@sluice/contracts';

// Nested types come from @Type metadata; class-transformer exports its store only from this path.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the path has no typings of its own, so the import is typed by hand
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage };

export type JsonSchema = Record<string, unknown>;

interface MessageSchemaSpec {
  /** File stem: docs/schemas/<name>.schema.json */
  name: string;
  root: new () => object;
  title: string;
  description: string;
}

/** The messages whose schemas are published, one file each. */
export const MESSAGE_SCHEMAS: readonly MessageSchemaSpec[] = [
  {
    name: 'request.v1',
    root: InferenceRequestV1,
    title: 'Sluice inference request v1',
    description: 'A request produced to sluice.requests.v1 (key: the request id) or POSTed to /v1/requests.',
  },
  {
    name: 'accepted.v1',
    root: AcceptedRequestV1,
    title: 'Sluice accepted request v1',
    description: 'A validated, recorded request on sluice.accepted.v1, keyed by request id.',
  },
  {
    name: 'lane-request.v1',
    root: LaneRequestV1,
    title: 'Sluice lane request v1',
    description: 'An accepted request with its routing decision, on sluice.lane.{realtime,async,batch}.v1, keyed by request id.',
  },
  {
    name: 'result.v1',
    root: InferenceResultV1,
    title: 'Sluice inference result v1',
    description: "A request's outcome on sluice.results.v1 and on the request's replyTo topic, keyed by request id.",
  },
  {
    name: 'event.v1',
    root: LifecycleEventV1,
    title: 'Sluice lifecycle event v1',
    description: "One step of a request's life on sluice.events.v1 (and in webhooks), keyed by request id.",
  },
  {
    name: 'stream-chunk.v1',
    root: StreamChunkV1,
    title: 'Sluice stream chunk v1',
    description: 'A piece of a streamed chat completion on sluice.stream.v1, keyed by request id.',
  },
  {
    name: 'dlq-headers.v1',
    root: DeadLetterHeadersV1,
    title: 'Sluice dead-letter headers v1',
    description: 'Headers of a message on sluice.dlq.v1; its value is the original bytes, unchanged.',
  },
];

const SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';
const DEFINITIONS_PREFIX = '#/definitions/';

// Mirrors isAllowedWebhookUrl: https with no credentials, or http to a loopback host.
const WEBHOOK_URL_PATTERN = '^(https://[^/?#@]+|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?)([/?#]|$)';

/**
 * Converters for our own constraints, plus overrides of defaults that would add `type: number` next
 * to `type: integer` (lodash.merge lets the last one win) or restate what the property type says.
 */
const CONVERTERS: ISchemaConverters = {
  [ValidationTypes.IS_DEFINED]: {},
  isPositive: { exclusiveMinimum: 0 },
  min: (meta) => ({ minimum: meta.constraints[0] as number }),
  max: (meta) => ({ maximum: meta.constraints[0] as number }),
  [ConstraintNames.IsInstant]: { type: 'string', format: 'date-time', pattern: INSTANT_PATTERN.source },
  [ConstraintNames.HasStringProperty]: (meta) => {
    const [property, maxLength] = meta.constraints as [string, number];
    return { type: 'object', required: [property], properties: { [property]: { type: 'string', minLength: 1, maxLength } } };
  },
  [ConstraintNames.HasNoProperty]: (meta) => ({ not: { required: [meta.constraints[0] as string] } }),
  [ConstraintNames.IsWebhookUrl]: { type: 'string', format: 'uri', maxLength: WEBHOOK_URL_MAX_LENGTH, pattern: WEBHOOK_URL_PATTERN },
  [ConstraintNames.IsStringMap]: (meta) => {
    const [limits] = meta.constraints as [{ maxEntries: number; keyPattern: RegExp; maxValueLength: number }];
    return {
      type: 'object',
      maxProperties: limits.maxEntries,
      propertyNames: { pattern: limits.keyPattern.source },
      additionalProperties: { type: 'string', maxLength: limits.maxValueLength },
    };
  },
  [ConstraintNames.InstantBefore]: (meta) => ({ description: `Must be before ${String(meta.constraints[0])} (checked by Sluice, not expressible here).` }),
  [ConstraintNames.NotTogetherWith]: {},
  [ConstraintNames.RequiredWhen]: {},
};

function constraintName(meta: ValidationMetadata): string | undefined {
  if (!meta.constraintCls) return undefined;
  return getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name;
}

/** Cross-field rules declared on the class, which the per-property converters cannot express. */
function classRules(cls: Function): JsonSchema[] {
  const rules: JsonSchema[] = [];
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    const name = constraintName(meta);
    if (name === ConstraintNames.NotTogetherWith) {
      rules.push({ not: { required: [meta.propertyName, meta.constraints[0] as string] } });
    } else if (name === ConstraintNames.RequiredWhen) {
      const [field, values] = meta.constraints as [string, string[]];
      rules.push({ if: { properties: { [field]: { enum: values } }, required: [field] }, then: { required: [meta.propertyName] } });
    }
  }
  return rules;
}

/** Field initialisers are the defaults validateMessage fills in; the schema states them too. */
function defaultsOf(cls: Function): Record<string, unknown> {
  const instance = new (cls as new () => Record<string, unknown>)();
  return Object.fromEntries(Object.entries(instance).filter(([, value]) => value !== undefined));
}

/**
 * The contract classes of this module instance, with their validation metadata. class-validator keeps
 * one process-global store, which can also hold other loads of the same classes (Jest's global setup
 * shares its globals with test contexts), so classes are picked by identity, never by name alone.
 */
function contractMetadata(): { classes: Map<string, Function>; metadatas: ValidationMetadata[] } {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, ValidationMetadata[]> };
  const ours = (Object.values(contracts) as unknown[]).filter(
    (value): value is Function => typeof value === 'function' && storage.validationMetadatas.has(value),
  );
  const metadatas = ours
    .flatMap((cls) => storage.validationMetadatas.get(cls) ?? [])
    .map((meta) => {
      // What validationMetadatasToSchemas does for the whole store: custom constraints are named by their class.
      const name = constraintName(meta);
      return name === undefined ? { ...meta } : { ...meta, type: name };
    });
  return { classes: new Map(ours.map((cls) => [cls.name, cls])), metadatas: metadatas as ValidationMetadata[] };
}

function refinedClassSchema(schema: JsonSchema, cls: Function): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const [key, property] of Object.entries(properties)) {
    // `type: object` from @IsObject next to the $ref of @ValidateNested says nothing the $ref does not.
    if (property.$ref !== undefined) properties[key] = { $ref: property.$ref };
  }
  for (const [key, value] of Object.entries(defaultsOf(cls))) {
    if (properties[key] !== undefined) properties[key] = { ...properties[key], default: value };
  }
  const rules = classRules(cls);
  return {
    type: 'object',
    properties,
    ...(schema.required !== undefined ? { required: schema.required } : {}),
    // validateMessage forbids unknown fields; so does the schema.
    additionalProperties: false,
    ...(rules.length > 0 ? { allOf: rules } : {}),
  };
}

function referencedNames(schema: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(schema)) schema.forEach((item) => referencedNames(item, into));
  else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(DEFINITIONS_PREFIX)) into.add(value.slice(DEFINITIONS_PREFIX.length));
      else referencedNames(value, into);
    }
  }
  return into;
}

/** Every published schema, keyed by file stem. Pure: the generator script does the file I/O. */
export function buildMessageSchemas(): Record<string, JsonSchema> {
  const { classes, metadatas } = contractMetadata();
  const raw = validationMetadataArrayToSchemas(metadatas, {
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: DEFINITIONS_PREFIX,
    additionalConverters: CONVERTERS,
  }) as Record<string, JsonSchema>;
  const refined = (name: string): JsonSchema => {
    const cls = classes.get(name);
    if (raw[name] === undefined || cls === undefined) throw new Error(`no validation metadata for ${name}`);
    return refinedClassSchema(raw[name], cls);
  };

  const out: Record<string, JsonSchema> = {};
  for (const spec of MESSAGE_SCHEMAS) {
    const root = refined(spec.root.name);
    const definitions: Record<string, JsonSchema> = {};
    const pending = [...referencedNames(root, new Set())];
    while (pending.length > 0) {
      const name = pending.shift() as string;
      if (definitions[name] !== undefined) continue;
      definitions[name] = refined(name);
      pending.push(...referencedNames(definitions[name], new Set()));
    }
    const sortedDefinitions = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
    out[spec.name] = {
      $schema: SCHEMA_DIALECT,
      $id: `urn:sluice:schema:${spec.name}`,
      title: spec.title,
      description: spec.description,
      ...root,
      ...(Object.keys(sortedDefinitions).length > 0 ? { definitions: sortedDefinitions } : {}),
    };
  }
  return out;
}
