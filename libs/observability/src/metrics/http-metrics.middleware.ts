import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram } from 'prom-client';
import { ALL_ROUTES } from '../common/all-routes.constant';
import { MetricsRegistry } from './metrics.registry';

// What Express adds to the request once a route matched (its types are not a dependency of ours).
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** Times every HTTP request by route template (never the raw URL, whose ids would explode the series). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(metrics: MetricsRegistry) {
    this.duration = metrics.histogram({
      name: 'sluice_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const stop = this.duration.startTimer();
    res.once('finish', () => {
      // Until a controller route matches, Express reports this middleware's own catch-all mount as the route.
      const route = req.route?.path;
      const matched = typeof route === 'string' && !route.endsWith(ALL_ROUTES);
      stop({
        method: req.method ?? 'UNKNOWN',
        route: matched ? `${req.baseUrl ?? ''}${route}` : 'unmatched',
        status_code: String(res.statusCode),
      });
    });
    next();
  }
}
