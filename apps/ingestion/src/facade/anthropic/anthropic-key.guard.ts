import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ApiKeyGuard } from '../../http/auth/api-key.guard';
import { Credentials, credentialsFrom, credentialsOfKey } from '../../http/auth/bearer-token';

/** ApiKeyGuard for Anthropic's SDKs: 0.x sends the key as `x-api-key`, 1.x as `Authorization: Bearer`. */
@Injectable()
export class AnthropicKeyGuard extends ApiKeyGuard {
  protected override credentialsOf(request: IncomingMessage): Credentials {
    const header = request.headers['x-api-key'];
    if (header === undefined) return credentialsFrom(request.headers.authorization);
    return credentialsOfKey(Array.isArray(header) ? header[0] : header);
  }
}
