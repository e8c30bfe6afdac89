import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { SluiceKafkaBatchContext, SluiceKafkaContext } from './sluice-kafka.context';

type KafkaContext = SluiceKafkaContext | SluiceKafkaBatchContext;

const failures = new WeakMap<KafkaContext, unknown>();

/**
 * Nest's RPC exception filter turns every error that is not an RpcException into
 * `{ status: 'error', message: 'Internal server error' }` before the transport sees it, which would
 * erase the difference between a RetryableError, a NonRetryableError and a bug. This interceptor
 * runs inside the filter and keeps the original error for the transport. SluiceKafkaModule
 * registers it globally; other transports and HTTP requests pass through untouched.
 */
@Injectable()
export class SluiceKafkaErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpcContext: unknown = context.switchToRpc().getContext();
    if (!(rpcContext instanceof SluiceKafkaContext) && !(rpcContext instanceof SluiceKafkaBatchContext)) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        failures.set(rpcContext, error);
        return throwError(() => error);
      }),
    );
  }
}

/** The handler's own error, if the interceptor saw it; each error is handed out once. */
export function takeHandlerFailure(context: KafkaContext): { error: unknown } | undefined {
  if (!failures.has(context)) return undefined;
  const error = failures.get(context);
  failures.delete(context);
  return { error };
}
