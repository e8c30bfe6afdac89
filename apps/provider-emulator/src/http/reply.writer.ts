import type { FastifyReply } from 'fastify';
import { anthropicErrorBody, ErrorSpec, openaiErrorBody, Protocol } from './emulator.error';

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

export function requestIdHeader(protocol: Protocol): string {
  return protocol === 'anthropic' ? 'request-id' : 'x-request-id';
}

/** Sends a JSON body that is already a string (hot paths build their JSON by hand). */
export function sendJsonText(reply: FastifyReply, status: number, json: string, headers: Record<string, string>): void {
  reply.code(status).headers(headers).header('content-type', JSON_TYPE).send(json);
}

export function sendJson(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string>): void {
  sendJsonText(reply, status, JSON.stringify(body), headers);
}

export function errorJson(protocol: Protocol, spec: ErrorSpec, requestId: string): string {
  if (protocol === 'anthropic') return JSON.stringify(anthropicErrorBody(spec, requestId));
  return JSON.stringify(openaiErrorBody(spec));
}
