import { describe, expect, it } from 'vitest';
import { contextEventStatement, OPTION_NO_FOREIGN_KEY_CHECKS, querySessionStatements } from './query-session.js';

describe('querySessionStatements', () => {
  it('sets what the statement ran with, as mariadb-binlog prints it (charset by name, collations by id)', () => {
    const s = querySessionStatements(
      { flags2: OPTION_NO_FOREIGN_KEY_CHECKS, sqlMode: 1411383296n, charsetClient: 224, collationConnection: 224, collationServer: 45, timeZone: "Europe/Berlin", lcTimeNamesNumber: 0, autoIncrementIncrement: 2, autoIncrementOffset: 1, hrnow: 1234 },
      1779712207,
      'mariadb',
    );
    expect(s).toEqual([
      'SET TIMESTAMP=1779712207.001234',
      'SET @@session.foreign_key_checks=0, @@session.sql_auto_is_null=0, @@session.unique_checks=1, @@session.check_constraint_checks=1',
      'SET @@session.sql_mode=1411383296',
      'SET @@session.auto_increment_increment=2, @@session.auto_increment_offset=1',
      'SET @@session.character_set_client=utf8mb4, @@session.collation_connection=224, @@session.collation_server=45',
      "SET @@session.time_zone='Europe/Berlin'",
      'SET @@session.lc_time_names=0',
    ]);
  });

  it('INTVAR, RAND and USER_VAR become the SETs that precede their statement', () => {
    expect(contextEventStatement({ kind: 'intvar', intvarType: 'INSERT_ID', value: 42n })).toBe('SET INSERT_ID=42');
    expect(contextEventStatement({ kind: 'rand', seed1: 1n, seed2: 2n })).toBe('SET @@RAND_SEED1=1, @@RAND_SEED2=2');
    expect(contextEventStatement({ kind: 'user_var', name: 'a`b', isNull: false, valueType: 0, collationId: 8, value: new Uint8Array([0xe9]), flags: 0 })).toBe("SET @`a``b`:=_latin1 X'e9'");
    expect(contextEventStatement({ kind: 'user_var', name: 'd', isNull: false, valueType: 4, collationId: 63, value: '-12.50', flags: 0 })).toBe('SET @`d`:=-12.50');
    expect(contextEventStatement({ kind: 'user_var', name: 'n', isNull: true, valueType: 0, collationId: 63, value: null, flags: 0 })).toBe('SET @`n`:=NULL');
  });
});
