// Each route's access rule, in its own options: a route is authenticated unless it says it is public.
// server.ts binds the check to every other route as it is registered (see its onRoute hook).

/** Public routes (health, metrics, the OpenAPI document, the dashboard's files) need no key. */
export interface RouteAccess { public?: boolean; reads?: boolean }
export const PUBLIC: { config: RouteAccess } = { config: { public: true } };
/** A POST that only reads (LangSmith's deploy_logs takes its query as a body): a read key may call it. */
export const READS: { config: RouteAccess } = { config: { reads: true } };
