import type { Caller } from '../http/auth/api-key.guard';

/**
 * Whose data a console call may read: one tenant's, or, for an operator key, every tenant's
 * (`tenant: null`). Every console query takes it, so no query can forget to filter.
 */
export interface ConsoleScope {
  tenant: string | null;
  operator: boolean;
}

/** A key is an operator key when its tenant is one of the operator tenants (INGESTION_CONSOLE_OPERATOR_TENANTS). */
export function consoleScopeOf(caller: Caller, operatorTenants: readonly string[] | undefined): ConsoleScope {
  const operator = operatorTenants?.includes(caller.tenant) ?? false;
  return { tenant: operator ? null : caller.tenant, operator };
}

/** Whether the scope may read the data of `tenant`. */
export function mayRead(scope: ConsoleScope, tenant: string): boolean {
  return scope.tenant === null || scope.tenant === tenant;
}

/**
 * The tenant a query is narrowed to: the scope's own, or for an operator the one asked for (if any).
 * Undefined when a tenant key asks for another tenant: nothing of it may be shown.
 */
export function narrowedTenant(scope: ConsoleScope, asked: string | undefined): string | null | undefined {
  if (scope.tenant === null) return asked ?? null;
  return asked === undefined || asked === scope.tenant ? scope.tenant : undefined;
}
