import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@sluice/contracts';
import type { ApiKeysRepository } from '@sluice/ledger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../errors/api.error';
import { Credentials, credentialsFrom } from './bearer-token';

export const API_KEYS = Symbol('ingestion.api-keys');
export type ApiKeyLedger = Pick<ApiKeysRepository, 'authenticate'>;

/** Who made a request: the key's public prefix (never the secret) and its tenant. */
export interface Caller {
  keyPrefix: string;
  tenant: string;
}

const callers = new WeakMap<IncomingMessage, Caller>();

/** The caller ApiKeyGuard admitted, or undefined before it ran. */
export function callerOf(request: IncomingMessage): Caller | undefined {
  return callers.get(request);
}

function unauthenticated(response: ServerResponse, message: string): ApiError {
  response.setHeader('WWW-Authenticate', 'Bearer realm="sluice"');
  return new ApiError(401, ErrorCode.UNAUTHENTICATED, message);
}

/** Admits requests with a live API key and remembers the key's tenant: the only tenant they may act for. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(API_KEYS) private readonly keys: ApiKeyLedger) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<IncomingMessage>();
    const credentials = this.credentialsOf(request);
    if (!credentials.ok) throw unauthenticated(http.getResponse<ServerResponse>(), credentials.reason);
    const identity = await this.keys.authenticate(credentials.apiKey);
    if (identity === undefined) {
      throw unauthenticated(http.getResponse<ServerResponse>(), 'the API key is unknown, revoked, or its tenant is disabled');
    }
    callers.set(request, { keyPrefix: identity.prefix, tenant: identity.tenantId });
    return true;
  }

  /** Where the key is sent: `Authorization: Bearer`, unless a route family speaks a protocol that sends it elsewhere. */
  protected credentialsOf(request: IncomingMessage): Credentials {
    return credentialsFrom(request.headers.authorization);
  }
}

/** The tenant of the request's API key; only on routes behind ApiKeyGuard. */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const caller = callers.get(context.switchToHttp().getRequest<IncomingMessage>());
  if (caller === undefined) throw new Error('@Tenant() used on a route without ApiKeyGuard');
  return caller.tenant;
});
