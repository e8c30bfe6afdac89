import { LIFECYCLE_EVENT_TYPES } from '../event/lifecycle-event.v1';
import { ErrorCode } from '../errors/error-code.enum';
import { LANES, OPERATIONS, PROVIDERS, REQUEST_MODES, REQUEST_SOURCES, RESULT_STATUSES } from '../common/values';
import { MAX_LATENCY_MS_LIMIT } from '../common/patterns';
import { ALL_TOPICS } from '../topics/topics.registry';

/**
 * Systematic mutations of a valid message, for differential tests of validators: every field (at
 * every depth outside arrays) removed, set to undefined, null, values of every JSON type, boundary
 * and over-limit strings and numbers, every enum value, instants and URLs near the rules; unknown
 * and prototype-named keys at every level; known field names added where they do not belong.
 * Also values JSON cannot carry (NaN, dates, functions), since a validator gets what callers pass.
 */
export interface Mutation {
  label: string;
  plain: unknown;
}

type Plain = Record<string, unknown>;

const isRecord = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A data property even for `__proto__`, which an object literal or assignment would turn into the prototype. */
function withKey(object: Plain, key: string, value: unknown): Plain {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function stringMap(entries: number, value = 'v'): Plain {
  return Object.fromEntries(Array.from({ length: entries }, (_, i) => [`k${i}`, value]));
}

// Strings at and around every length limit of the contracts, counted in code units ('a'), in code
// points (an emoji is two code units) and as validator.js counts them (it ignores U+FE0F).
const LIMITS = [1, 48, 64, 249, 256, 512, 1024, 2048, 4096];
const BOUNDARY_STRINGS = LIMITS.flatMap((n) => [
  'a'.repeat(n - 1),
  'a'.repeat(n),
  'a'.repeat(n + 1),
  '😀'.repeat(Math.ceil(n / 2)),
  '😀'.repeat(n),
  `a${'\uFE0F'.repeat(n)}`,
]);

const INSTANTS = [
  '2030-01-01T12:00:00Z',
  '2030-01-01T14:00:00+02:00',
  '2030-01-01T11:59:59.999999999Z',
  '2030-01-01T12:00:00.000000001Z',
  '2029-12-31T00:00:00Z',
  '2031-01-01T00:00:00-05:00',
  '2024-02-29T00:00:00Z',
  '2030-02-29T00:00:00Z',
  '2030-04-31T00:00:00Z',
  '2030-13-01T00:00:00Z',
  '2030-00-10T00:00:00Z',
  '2030-01-01T24:00:00Z',
  '2030-06-30T23:59:60Z',
  '2030-01-01T00:00:00+24:00',
  '2030-01-01T00:00:00.1234567890Z',
  '2030-01-01T00:00:00',
  '2030-01-01t00:00:00z',
  '2030-01-01 00:00:00Z',
  '2030-01-01',
  '2030-01-01T00:00Z',
  '20300101T000000Z',
  '0999-06-15T00:00:00Z',
  '10000-01-01T00:00:00Z',
  ' 2030-01-01T00:00:00Z',
  '2030-01-01T00:00:00Z\n',
];

const URLS = [
  'https://hooks.example.com/sluice',
  `https://h.example/${'p'.repeat(2048 - 18)}`,
  `https://h.example/${'p'.repeat(2048 - 17)}`,
  'https://a',
  'https://',
  'https://exa mple.com/',
  'https://@a.example/',
  'https://u:p@a.example/',
  'https://u@a.example/',
  'HTTPS://a.example/',
  'http://a.example/',
  'http://localhost:8080/x',
  'http://127.0.0.1/',
  'http://[::1]:9/',
  'http://localhost.evil.example/',
  'http://127.0.0.1.evil.example/',
  'https://a.example/#frag?x',
  'https://a.example:99999/',
  'javascript:alert(1)',
  'ftp://a.example/',
];

const NAMES = [
  'req-1',
  'acme',
  'Acme',
  '-acme',
  '_acme',
  'a b',
  'a.b:c',
  'acme.req-1.batch.1',
  'acme.replies',
  '.',
  '..',
  'a..b',
  'gpt-4o-mini',
  'deadline-slack>batch-estimate',
  'INVALID',
  ...ALL_TOPICS,
];

const ENUM_VALUES = [
  ...new Set<string>([...PROVIDERS, ...OPERATIONS, ...REQUEST_MODES, ...LANES, ...RESULT_STATUSES, ...REQUEST_SOURCES, ...LIFECYCLE_EVENT_TYPES]),
  ErrorCode.INTERNAL,
  ErrorCode.MISSING_FIELD,
];

const NUMBERS = [0, -0, 1, -1, 0.5, 1.5, 2, 5, 999, 1000, 1001, 2 ** 31, 2 ** 53 + 2, MAX_LATENCY_MS_LIMIT, MAX_LATENCY_MS_LIMIT + 1, 1e21, -1e-7];
const NOT_JSON = [NaN, Infinity, -Infinity, new Date(0), () => 'x', Symbol('x'), 10n, new String('x'), new Number(1), new Boolean(true)];

const OBJECTS: unknown[] = [
  {},
  [],
  [1],
  { model: 'm' },
  { model: '' },
  { model: 'a'.repeat(257) },
  { model: '😀'.repeat(200) },
  { model: '\uFE0F' },
  { model: 1 },
  { a: 'b' },
  { a: 1 },
  { a: null },
  { 'bad key': 'x' },
  { ['k'.repeat(65)]: 'x' },
  { k: 'v'.repeat(1025) },
  { k: '😀'.repeat(600) },
  stringMap(32),
  stringMap(33),
  { url: 'https://a.example/' },
  { url: 'http://a.example/' },
  { inputTokens: 1, outputTokens: 2 },
  { done: 1, total: 2 },
  { done: 0, total: 0 },
  { code: 'INTERNAL', message: 'm' },
  { code: 'INTERNAL', message: 'm', retryable: true },
  { usd: 1, realtimeUsd: 2, savedUsd: 1 },
  { receivedAt: '2030-01-01T00:00:00Z', completedAt: '2030-01-01T00:00:01Z' },
  withKey({ model: 'm' }, '__proto__', 'x'),
  withKey({ model: 'm' }, 'constructor', 'x'),
  withKey({ model: 'm' }, 'toString', 'x'),
  Object.assign(Object.create(null) as Plain, { model: 'm' }),
];

/** Put in place of every field: one of each type, and what JSON cannot carry. */
const ANY_FIELD: unknown[] = [undefined, null, true, false, '', 'x', '\uFE0F', 0, -1, 1.5, {}, [], [1], ...NOT_JSON];

/** Put in place of fields that hold a string, a number, an object: values near every rule of that type. */
const BY_TYPE: Record<'string' | 'number' | 'object', unknown[]> = {
  string: [...ENUM_VALUES, ...INSTANTS, ...URLS, ...NAMES, ...BOUNDARY_STRINGS],
  number: NUMBERS,
  object: OBJECTS,
};

/** Where a smaller set is enough (a class covered by another base already): a few values per type. */
const BY_TYPE_BRIEF: Record<'string' | 'number' | 'object', unknown[]> = {
  string: ['realtime', '2030-01-01T00:00:00Z', 'a'.repeat(257), '😀'.repeat(600)],
  number: [0, -0, 0.5, 1e21],
  object: [{ model: 'm' }, { a: 'b' }, withKey({}, 'constructor', 'x')],
};

/** Values for field names added where the message does not have them. */
const ADDITIONS: unknown[] = [
  null,
  'x',
  5000,
  true,
  '2031-01-01T00:00:00Z',
  'realtime',
  {},
  { model: 'm' },
  { done: 1, total: 2 },
  { code: 'INTERNAL', message: 'm', retryable: true },
];

/** Keys no contract knows, among them the ones that name Object.prototype members. */
const UNKNOWN_KEYS = ['extra', 'Tenant', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

function setAt(root: Plain, path: readonly string[], update: (parent: Plain, key: string) => Plain): Plain {
  const [key, ...rest] = path;
  if (rest.length === 0) return update(root, key);
  return withKey(root, key, setAt(root[key] as Plain, rest, update));
}

function objectPaths(value: Plain, prefix: string[] = []): string[][] {
  return Object.keys(value).flatMap((key) => {
    const path = [...prefix, key];
    return isRecord(value[key]) ? [path, ...objectPaths(value[key] as Plain, path)] : [path];
  });
}

export interface MutationOptions {
  /** Field names to add at every level, so a field of one class in another, or a conditional field without its condition, is tried too. */
  fieldNames: readonly string[];
  /** Paths (dotted prefixes) whose fields get the brief value set: classes another base covers in full. */
  briefUnder?: readonly string[];
  /** The brief value set everywhere. */
  brief?: boolean;
  /** Paths of free-form objects (provider bodies, maps): no field names are added inside them. */
  freeForm?: readonly string[];
}

function typeOf(value: unknown): 'string' | 'number' | 'object' | undefined {
  if (typeof value === 'string' || typeof value === 'number') return typeof value as 'string' | 'number';
  return isRecord(value) ? 'object' : undefined;
}

/** The mutations of `base`, a valid message. */
export function mutationsOf(base: Plain, options: MutationOptions): Mutation[] {
  const out: Mutation[] = [{ label: 'unchanged', plain: base }];
  const paths = objectPaths(base);
  const valueAt = (path: readonly string[]): unknown => path.reduce<unknown>((value, key) => (value as Plain)[key], base);
  for (const path of paths) {
    const at = path.join('.');
    out.push({
      label: `${at} removed`,
      plain: setAt(base, path, (parent, key) => {
        const { [key]: _removed, ...rest } = parent;
        return rest;
      }),
    });
    const current = valueAt(path);
    const type = typeOf(current);
    const brief = options.brief === true || (options.briefUnder ?? []).some((prefix) => at.startsWith(`${prefix}.`));
    const values = [...ANY_FIELD, ...(type === undefined ? [] : (brief ? BY_TYPE_BRIEF : BY_TYPE)[type])];
    values.forEach((value, i) => out.push({ label: `${at} = value ${i}`, plain: setAt(base, path, (parent, key) => withKey(parent, key, value)) }));
    if (isRecord(current)) {
      out.push({ label: `${at} as an array`, plain: setAt(base, path, (parent, key) => withKey(parent, key, [current])) });
      out.push({
        label: `${at} without prototype`,
        plain: setAt(base, path, (parent, key) => withKey(parent, key, Object.assign(Object.create(null), current))),
      });
    }
  }
  for (const objectPath of [[], ...paths.filter((path) => isRecord(valueAt(path)))]) {
    const at = objectPath.length === 0 ? '(root)' : objectPath.join('.');
    const target = valueAt(objectPath) as Plain;
    const add = (key: string, value: unknown): Plain =>
      objectPath.length === 0
        ? withKey(base, key, value)
        : setAt(base, objectPath, (parent, last) => withKey(parent, last, withKey(parent[last] as Plain, key, value)));
    for (const key of UNKNOWN_KEYS) out.push({ label: `${at} + unknown key ${JSON.stringify(key)}`, plain: add(key, 'x') });
    if ((options.freeForm ?? []).some((path) => at === path || at.startsWith(`${path}.`))) continue;
    for (const key of options.fieldNames.filter((name) => !Object.prototype.hasOwnProperty.call(target, name))) {
      ADDITIONS.forEach((value, i) => out.push({ label: `${at} + ${key} = addition ${i}`, plain: add(key, value) }));
    }
  }
  return out;
}
