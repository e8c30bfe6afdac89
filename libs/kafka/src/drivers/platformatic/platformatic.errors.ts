import { DependencyUnavailableError } from '@sluice/contracts';
import { CERTIFICATE_ERROR_CODES, KafkaSecurityError } from '../../errors/kafka-security.error';
import type { PlatformaticBaseOptions } from './platformatic.options';

/** What a refusal is reported with: the brokers a client was given and the SASL mechanism it tried. */
export type ClusterNames = Pick<PlatformaticBaseOptions, 'bootstrapBrokers' | 'sasl'>;

/** What broker outages are reported as (the same words as the kafkajs driver's). */
const BROKER_DEPENDENCY = 'the Kafka broker';

// @platformatic/kafka's codes for "could not reach or hear from a broker", as opposed to a request
// the broker refused (a record too large, an unknown topic), which is the message's own problem.
const UNREACHABLE = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/** How deep the wrapping goes: retries wrap their attempts in a MultipleErrors, which a caller may wrap again. */
const MAX_DEPTH = 4;

interface ErrorShape {
  code?: unknown;
  errors?: unknown;
  cause?: unknown;
}

// By shape, not `instanceof Error`: the library is loaded by Node's own require, so under Jest its
// errors come from another realm than the test's Error.
function anyAtDepth(error: unknown, test: (shape: ErrorShape & Record<string, unknown>) => boolean, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return false;
  const shape = error as ErrorShape & Record<string, unknown>;
  if (test(shape)) return true;
  if (Array.isArray(shape.errors) && shape.errors.some((inner) => anyAtDepth(inner, test, depth + 1))) return true;
  return anyAtDepth(shape.cause, test, depth + 1);
}

function unreachable(error: unknown): boolean {
  return anyAtDepth(error, ({ code }) => typeof code === 'string' && UNREACHABLE.has(code));
}

/**
 * Whether the broker said to try again: a protocol error it marks retriable (a group coordinator still
 * loading or moving, as right after a broker starts), at any depth of the library's wrapping.
 */
export function brokerSaysRetry(error: unknown): boolean {
  return anyAtDepth(error, ({ canRetry }) => canRetry === true);
}

/**
 * Whether a join was refused because the group still has members that speak another assignment
 * protocol: a kafkajs member (a copy not yet moved to this driver, a tool that committed offsets
 * for the group) whose leave has not reached the broker stays until its session times out.
 */
export function groupHasOtherClients(error: unknown): boolean {
  return anyAtDepth(error, ({ apiId }) => apiId === 'INCONSISTENT_GROUP_PROTOCOL');
}

/**
 * The error a caller of the driver should see: a broker that cannot be reached as a
 * DependencyUnavailableError (consumers wait it out instead of dead-lettering), anything else as it
 * was. A request given up after its retries comes as a MultipleErrors of every attempt's error.
 * A broker that refuses a new connection's login after boot (a password rotated on the cluster, a
 * token no longer accepted) is waited out the same way, as nothing sent can be at fault, but the
 * outage says so: the library reports it as a network failure, which would read as the broker being down.
 */
export function asBrokerFailure(error: unknown, cluster: ClusterNames): unknown {
  const refusal = refusalIn(error, undefined, 0);
  if (refusal !== undefined) return new DependencyUnavailableError(BROKER_DEPENDENCY, securityErrorOf(refusal, cluster, error));
  if (unreachable(error)) return new DependencyUnavailableError(BROKER_DEPENDENCY, error);
  const causes = reasons(error, 0);
  // The library's outer message says only which request failed ("Producing messages failed."): the broker's reasons are inside.
  if (causes.length === 0) return error;
  return Object.assign(new Error(`${(error as { message?: string }).message} ${causes.join(' ')}`), { cause: error });
}

function reasons(error: unknown, depth: number): string[] {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return [];
  const { errors, cause } = error as ErrorShape;
  const inner: unknown[] = [...(Array.isArray(errors) ? (errors as unknown[]) : []), ...(cause === undefined ? [] : [cause])];
  return inner.flatMap((nested) => {
    const deeper = reasons(nested, depth + 1);
    const message = (nested as { message?: unknown } | null)?.message;
    return deeper.length > 0 ? deeper : typeof message === 'string' ? [message] : [];
  });
}

const CONNECTION_FAILED = /^Connection to (\S+) failed\.$/;

interface Refusal {
  kind: 'sasl' | 'tls';
  broker?: string;
  reason: string;
}

// The library wraps the refusal in "Connection to host:port failed." (which names the broker), that
// in "Cannot connect to any broker.", and a request given up after retries in one more layer.
function refusalIn(error: unknown, broker: string | undefined, depth: number): Refusal | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH + 2) return undefined;
  const { code, errors, cause, message } = error as ErrorShape & { message?: unknown };
  const here = typeof message === 'string' ? (CONNECTION_FAILED.exec(message)?.[1] ?? broker) : broker;
  if (code === 'PLT_KFK_AUTHENTICATION') {
    // The broker's own words are deepest: "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256".
    return { kind: 'sasl', broker: here, reason: deepestServerMessage(cause, 0) ?? String(message) };
  }
  if (typeof code === 'string' && CERTIFICATE_ERROR_CODES.has(code)) return { kind: 'tls', broker: here, reason: String(message) };
  for (const inner of [...(Array.isArray(errors) ? (errors as unknown[]) : []), cause]) {
    const found = refusalIn(inner, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function deepestServerMessage(error: unknown, depth: number): string | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return undefined;
  const { errors, cause, serverErrorMessage } = error as ErrorShape & { serverErrorMessage?: unknown };
  for (const inner of [...(Array.isArray(errors) ? (errors as unknown[]) : []), cause]) {
    const deeper = deepestServerMessage(inner, depth + 1);
    if (deeper !== undefined) return deeper;
  }
  return typeof serverErrorMessage === 'string' && serverErrorMessage !== '' ? serverErrorMessage : undefined;
}

/**
 * A failed connect as a KafkaSecurityError when a broker refused the client's credentials or its
 * certificate did not verify, else as asBrokerFailure has it: the library reports both as a network
 * failure, which callers would otherwise wait out as an outage.
 */
export function asConnectFailure(error: unknown, cluster: ClusterNames): unknown {
  const refusal = refusalIn(error, undefined, 0);
  if (refusal === undefined) return asBrokerFailure(error, cluster);
  return securityErrorOf(refusal, cluster, error);
}

function securityErrorOf(refusal: Refusal, cluster: ClusterNames, cause: unknown): KafkaSecurityError {
  // The broker's words name the SCRAM mechanisms but not PLAIN: the mechanism tried is said in any case.
  const mechanism = refusal.kind === 'sasl' ? cluster.sasl?.mechanism : undefined;
  return new KafkaSecurityError(refusal.kind, refusal.broker ?? cluster.bootstrapBrokers.join(', '), refusal.reason, { cause, mechanism });
}
