/**
 * A source of table definitions for binlogs that do not carry names, signedness or charsets
 * (MariaDB's default binlog_row_metadata=NO_LOG, MySQL's MINIMAL). Implementations: a dump's
 * CREATE TABLE statements, or a live server's information_schema.
 */
export interface SchemaColumn {
  readonly name: string;
  /** Lower-case declared type as SHOW CREATE TABLE prints it, e.g. 'int(11) unsigned', 'varchar(10)', 'uuid'. */
  readonly sqlType: string;
  /** Base type word, lower-case: 'int', 'varchar', 'enum', 'uuid', 'inet6', 'json', ... */
  readonly baseType: string;
  readonly unsigned: boolean;
  readonly nullable: boolean;
  /** Collation id (e.g. 45 utf8mb4_general_ci, 8 latin1_swedish_ci, 63 binary); undefined if not a character column. */
  readonly collationId: number | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly setValues: readonly string[] | undefined;
  readonly generated: boolean;
  readonly primaryKey: boolean;
}

export interface TableSchema {
  readonly db: string;
  readonly table: string;
  readonly columns: readonly SchemaColumn[];
  /** The table's default character set / collation (names), when the source says (a dump's CREATE TABLE). */
  readonly defaultCharset?: string;
  readonly defaultCollation?: string;
  /**
   * FOREIGN KEY constraints of the table (it is their child), as its CREATE TABLE declares them.
   * From a dump's CREATE TABLE only; not followed through later ALTERs.
   */
  readonly foreignKeys?: readonly ForeignKeySchema[];
}

/** One FOREIGN KEY of a table: its columns refer to the parent's columns. */
export interface ForeignKeySchema {
  readonly name: string | undefined;
  readonly columns: readonly string[];
  /** The parent's database when the constraint names one (else the table's own). */
  readonly parentDb: string | undefined;
  readonly parentTable: string;
  readonly parentColumns: readonly string[];
  /** Upper case: 'CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION', 'SET DEFAULT'; undefined when not declared. */
  readonly onDelete: string | undefined;
  readonly onUpdate: string | undefined;
}

export interface SchemaProvider {
  getTable(db: string, table: string): TableSchema | undefined;
  /**
   * Optional: a provider that follows DDL (SchemaHistory) is told of every QUERY event in binlog
   * order, before the row events after it are decoded. It reports which tables changed, so the
   * parser can forget cached TABLE_MAP decodings, and which became unknown (warned when the cause is
   * a statement it could not follow).
   */
  applyQueryEvent?(event: {
    readonly db: string;
    readonly query: string;
    readonly errorCode?: number;
    readonly statusVars?: { readonly collationServer?: number | undefined };
  }): {
    readonly changed: readonly unknown[];
    readonly dropped: readonly unknown[];
    readonly unknown: readonly { readonly db: string; readonly table: string; readonly cause: string; readonly reason: string }[];
  };
  /** Optional: told the server flavor from each FORMAT_DESCRIPTION_EVENT (default collations differ). */
  setFlavor?(flavor: 'mariadb' | 'mysql'): void;
}
