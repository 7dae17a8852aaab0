// Each route's access rule, in its own options: a route is authenticated unless it says it is public.
// server.ts binds the check to every other route as it is registered (see its onRoute hook).

/** Public routes (health, metrics, the OpenAPI document, the dashboard's files) need no key. */
export interface RouteAccess { public?: boolean }
export const PUBLIC: { config: RouteAccess } = { config: { public: true } };
