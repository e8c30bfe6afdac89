import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorConfig } from '../config/emulator.config';
import { EMULATOR_CONFIG } from '../config/emulator.tokens';
import { EmulatorError } from '../http/emulator.error';

/** Whether `headers` carry the admin key; compared in constant time, the key being a secret. */
function carriesKey(headers: IncomingHttpHeaders, key: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The admin API resets the emulator, arms faults and reads every key's bill: anyone who can reach it
 * could disturb a run or read another caller's usage. With EMULATOR_ADMIN_KEY set it answers only that
 * key; without it, only a local emulator (no EMULATOR_API_KEYS) leaves it open.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { adminKey, apiKeys } = this.config;
    if (adminKey === undefined) {
      if (apiKeys.length === 0) return true;
      throw new EmulatorError({ status: 403, message: 'the admin API is closed: EMULATOR_API_KEYS is set and EMULATOR_ADMIN_KEY is not' });
    }
    const headers = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>().headers;
    if (carriesKey(headers, adminKey)) return true;
    throw new EmulatorError({ status: 401, message: 'the admin API needs Authorization: Bearer <EMULATOR_ADMIN_KEY>' });
  }
}
