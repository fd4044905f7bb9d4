/**
 * Connection URLs as DESIGN.md defines them: `mysql://user[:pass]@host[:port]/[db]` or
 * `mysql://user@localhost/?socket=/path/to/sock` (`mariadb://` is accepted too). A password may
 * instead come from PITR_PASSWORD. Passwords never appear in messages: use redactUrl() for any
 * URL that is printed.
 */
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';

export interface ConnectionOptions {
  readonly host?: string;
  readonly port?: number;
  readonly socketPath?: string;
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

export interface ParseConnectionUrlOptions {
  /** Where PITR_PASSWORD is read from when the URL has no password; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const HINTS = [
  'Use mysql://user[:password]@host[:port]/ or mysql://user@localhost/?socket=/path/to/mysqld.sock',
  'Percent-encode special characters in the user or password (@ → %40, : → %3A, / → %2F), or set PITR_PASSWORD.',
];

/** The URL with its password replaced by `***` (works on strings that are not valid URLs too). */
export function redactUrl(url: string): string {
  // userinfo is everything between '//' and the last '@' before the path
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

function decode(part: string, what: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new PitrError(ERROR_CODES.USAGE, `bad percent-encoding in the ${what} of ${redactUrl(url)}`, { hints: HINTS });
  }
}

/** Parses a connection URL; throws PitrError USAGE (with the password redacted) when it is malformed. */
export function parseConnectionUrl(url: string, options: ParseConnectionUrlOptions = {}): ConnectionOptions {
  const env = options.env ?? process.env;
  const m = /^(mysql|mariadb):\/\/(?:([^/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$/i.exec(url.trim());
  if (m === null) {
    throw new PitrError(ERROR_CODES.USAGE, `not a connection URL: ${redactUrl(url)}`, { hints: HINTS });
  }
  const [, , userinfo, hostport = '', path = '', query = ''] = m;
  let user = '';
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user', url);
    if (colon >= 0) password = decode(userinfo.slice(colon + 1), 'password', url);
  }
  if (user === '') {
    throw new PitrError(ERROR_CODES.USAGE, `connection URL has no user: ${redactUrl(url)}`, { hints: HINTS });
  }
  let host: string | undefined;
  let port: number | undefined;
  if (hostport !== '') {
    const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostport);
    const plain = /^([^:]*)(?::(\d*))?$/.exec(hostport);
    const hm = v6 ?? plain;
    if (hm === null) throw new PitrError(ERROR_CODES.USAGE, `bad host in ${redactUrl(url)}`, { hints: HINTS });
    host = decode(hm[1]!, 'host', url) || undefined;
    if (hm[2] !== undefined && hm[2] !== '') {
      port = Number(hm[2]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new PitrError(ERROR_CODES.USAGE, `bad port in ${redactUrl(url)}`, { hints: HINTS });
      }
    }
  }
  let socketPath: string | undefined;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), 'query', url);
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1).replace(/\+/g, ' '), 'query', url);
    if (key === 'socket') socketPath = value;
    else {
      throw new PitrError(ERROR_CODES.USAGE, `unknown connection URL parameter '${key}' in ${redactUrl(url)}`, {
        hints: ['The only URL parameter is ?socket=/path/to/mysqld.sock.', ...HINTS],
      });
    }
  }
  if (socketPath === undefined && host === undefined) {
    throw new PitrError(ERROR_CODES.USAGE, `connection URL has neither a host nor ?socket=: ${redactUrl(url)}`, { hints: HINTS });
  }
  const dbPath = path.replace(/^\//, '');
  const database = dbPath === '' ? undefined : decode(dbPath, 'database', url);
  if (password === undefined) {
    const fromEnv = env['PITR_PASSWORD'];
    if (fromEnv !== undefined) password = fromEnv;
  }
  return {
    user,
    ...(socketPath !== undefined ? { socketPath } : {}),
    ...(socketPath === undefined && host !== undefined ? { host } : {}),
    ...(socketPath === undefined && host !== undefined ? { port: port ?? 3306 } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(database !== undefined ? { database } : {}),
  };
}
