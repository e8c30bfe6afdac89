export * from './schema/sluice.config';
export * from './schema/provider-clients.config';
export * from './schema/env-var.decorators';
export * from './load/config.loader';
export * from './describe/config.describer';
export * from './redact/url-password.redactor';
export * from './nest/sluice-config.module';
export * from './policy/routing-policy.file';
