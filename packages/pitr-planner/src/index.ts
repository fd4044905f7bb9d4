// Public entry point of @pitr/pitr-planner. Every export is named explicitly; anything not listed
// here is internal.

// catalog: backup records in a repository
export { BACKUP_RECORD_VERSION, newBackupId, isBackupId, parseBackupRecord } from './catalog/backup-record.js';
export type {
  BackupRecord,
  BackupStatus,
  BackupTrigger,
  BackupServer,
  BackupTable,
  BackupDatabase,
  BackupCoordinates,
  BackupDumpTool,
  BackupWho,
} from './catalog/backup-record.js';
export {
  startBackupRecord,
  completeBackupRecord,
  failBackupRecord,
  readBackupRecord,
  listBackups,
  compareBackupRecords,
} from './catalog/catalog.js';
export type { CatalogRepo, CatalogLock, StartBackupOptions, CompleteBackupOptions, ListBackupsOptions } from './catalog/catalog.js';
