import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, throwError, timeout } from 'rxjs';
import { IngestionConfig } from '../../ingestion.config';
import { ApiError } from '../errors/api.error';

/**
 * How long a route may take once its request has arrived and its key is checked: `read` and `submit`
 * are bounded by INGESTION_READ_DEADLINE_MS and INGESTION_SUBMIT_DEADLINE_MS; `none` is for answers
 * that last as long as the client reads or sends (event streams, downloads, job uploads), which have
 * limits of their own.
 */
export type HandlingDeadlineKind = 'read' | 'submit' | 'none';

const HANDLING_DEADLINE = 'sluice:handling-deadline';

export const HandlingDeadline = (kind: HandlingDeadlineKind) => SetMetadata(HANDLING_DEADLINE, kind);

/**
 * Answers a route that overran its deadline 503 TIMEOUT. 503 rather than 504: the API already answers
 * 503 when the ledger or the broker did not answer, and clients retry on it; 504 says a gateway's upstream
 * failed, which a load balancer in front would be blamed for. The handler's work is not undone: a
 * submission may still be recorded, and is answered as a duplicate when retried.
 */
@Injectable()
export class HandlingDeadlineInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: IngestionConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kind = this.reflector.getAllAndOverride<HandlingDeadlineKind | undefined>(HANDLING_DEADLINE, [context.getHandler(), context.getClass()]);
    // Every route of the API says how long it may take; one that says nothing would go unbounded unnoticed.
    if (kind === undefined) throw new Error(`${context.getClass().name}.${context.getHandler().name} has no @HandlingDeadline`);
    if (kind === 'none') return next.handle();
    const ms = kind === 'read' ? this.config.INGESTION_READ_DEADLINE_MS : this.config.INGESTION_SUBMIT_DEADLINE_MS;
    return next.handle().pipe(
      timeout({
        first: ms,
        with: () =>
          throwError(
            () =>
              new ApiError(
                503,
                'TIMEOUT',
                kind === 'read'
                  ? `the answer took longer than ${ms} ms; retry`
                  : `the submission was not answered within ${ms} ms; retry it (a request with an id is never accepted twice)`,
              ),
          ),
      }),
    );
  }
}
