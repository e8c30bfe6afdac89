/** Every route, for middleware: Nest 11 (path-to-regexp 8) needs the named wildcard instead of `*`. */
export const ALL_ROUTES = '{*path}';
