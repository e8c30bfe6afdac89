import { HttpException } from '@nestjs/common';
import type { PinoLogger } from 'nestjs-pino';
import type { ServerResponse } from 'node:http';
import { RequestsController } from './requests.controller';
import type { RequestStatusQuery } from './status/request-status.query';
import type { SubmitRequestsHandler } from './submissions/submit-requests.handler';

function logger(lines: string[]): PinoLogger {
  const record = (_fields: object, msg: string): void => {
    lines.push(msg);
  };
  return { setContext: () => undefined, info: record, error: record } as unknown as PinoLogger;
}

describe('RequestsController', () => {
  it('answers 503 with Sluice’s error body when the ledger or the broker fails, and logs it', async () => {
    const lines: string[] = [];
    const failing = { submit: () => Promise.reject(new Error('connect ECONNREFUSED')) } as unknown as SubmitRequestsHandler;
    const controller = new RequestsController(failing, {} as RequestStatusQuery, logger(lines));

    const submitting = controller.submit({ ok: true, json: {}, bytes: 2 }, 'acme', {}, {} as ServerResponse);
    await expect(submitting).rejects.toBeInstanceOf(HttpException);
    const error = (await submitting.catch((caught: HttpException) => caught)) as HttpException;
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(lines).toEqual(['submission failed']);
  });

  it('sets the reply status and logs the ids it answered for', async () => {
    const lines: string[] = [];
    const receipt = { id: 'r-1', status: 'accepted', duplicate: true, links: { self: '/v1/requests/r-1', events: '/v1/requests/r-1/events' } };
    const submissions = { submit: () => Promise.resolve({ status: 200, body: receipt }) } as unknown as SubmitRequestsHandler;
    const controller = new RequestsController(submissions, {} as RequestStatusQuery, logger(lines));
    const response = { statusCode: 201 } as ServerResponse;

    expect(await controller.submit({ ok: true, json: {}, bytes: 2 }, 'acme', {}, response)).toBe(receipt);
    expect(response.statusCode).toBe(200);
    expect(lines).toEqual(['submission answered']);
  });
});
