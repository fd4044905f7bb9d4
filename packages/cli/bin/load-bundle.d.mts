/** See load-bundle.mjs. */
export declare function loadBundle(bundle: string, builtAfter: readonly string[]): { readonly exports: Record<string, unknown>; readonly cacheUsed: boolean } | undefined;
