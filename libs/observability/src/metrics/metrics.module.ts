import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { SERVICE_NAME } from '../bootstrap/service-name.token';
import { ALL_ROUTES } from '../common/all-routes.constant';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';

/** The service's metrics registry, `GET /metrics` and HTTP request timing. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [{ provide: MetricsRegistry, inject: [SERVICE_NAME], useFactory: (service: string) => new MetricsRegistry(service) }],
  exports: [MetricsRegistry],
})
export class SluiceMetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: ALL_ROUTES, method: RequestMethod.ALL });
  }
}
