import { describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { parseConnectionUrl, redactUrl } from './connection-url.js';

const noEnv = { env: {} };

describe('parseConnectionUrl', () => {
  it('parses host, port, user, password and database', () => {
    expect(parseConnectionUrl('mysql://root:s3cret@db.example:3307/shop', noEnv)).toEqual({
      host: 'db.example', port: 3307, user: 'root', password: 's3cret', database: 'shop',
    });
    expect(parseConnectionUrl('mysql://u@127.0.0.1/', noEnv)).toEqual({ host: '127.0.0.1', port: 3306, user: 'u' });
    expect(parseConnectionUrl('mariadb://u@[::1]:3310', noEnv)).toEqual({ host: '::1', port: 3310, user: 'u' });
  });

  it('parses a socket URL', () => {
    expect(parseConnectionUrl('mysql://root@localhost/?socket=/run/mysqld/mysqld.sock', noEnv)).toEqual({
      user: 'root', socketPath: '/run/mysqld/mysqld.sock',
    });
    expect(parseConnectionUrl('mysql://root@/?socket=%2Ftmp%2Fa%20b.sock', noEnv)).toEqual({ user: 'root', socketPath: '/tmp/a b.sock' });
  });

  it('percent-decodes user and password (which may contain @ : /)', () => {
    expect(parseConnectionUrl('mysql://us%40er:p%3A%2F%40ss@h/', noEnv)).toMatchObject({ user: 'us@er', password: 'p:/@ss' });
    // an unencoded @ in the password: the last @ separates userinfo
    expect(parseConnectionUrl('mysql://u:p@ss@h/', noEnv)).toMatchObject({ user: 'u', password: 'p@ss', host: 'h' });
  });

  it('takes the password from PITR_PASSWORD when the URL has none', () => {
    expect(parseConnectionUrl('mysql://u@h/', { env: { PITR_PASSWORD: 'envpw' } }).password).toBe('envpw');
    expect(parseConnectionUrl('mysql://u:urlpw@h/', { env: { PITR_PASSWORD: 'envpw' } }).password).toBe('urlpw');
    expect(parseConnectionUrl('mysql://u:@h/', { env: { PITR_PASSWORD: 'envpw' } }).password).toBe('');
  });

  it('rejects malformed URLs with USAGE errors that never show the password', () => {
    const bad = [
      'postgres://u:topsecret@h/',
      'mysql://:topsecret@h/',
      'mysql://u:topsecret@h:99999/',
      'mysql://u:topsecret@h/?sock=/x',
      'mysql://u:topsecret@/',
      'mysql://u:top%ZZsecret@h/',
    ];
    for (const url of bad) {
      try {
        parseConnectionUrl(url, noEnv);
        expect.unreachable(url);
      } catch (e) {
        expect(e).toBeInstanceOf(PitrError);
        expect((e as PitrError).code).toBe('USAGE');
        expect((e as PitrError).message).not.toContain('topsecret');
        expect((e as PitrError).message).not.toContain('top%ZZsecret');
        expect((e as PitrError).hints.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('mysql://root:s3cret@h:1/db')).toBe('mysql://root:***@h:1/db');
    expect(redactUrl('mysql://root@h/')).toBe('mysql://root@h/');
    expect(redactUrl('mysql://u:p@ss@h/')).toBe('mysql://u:***@h/');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
