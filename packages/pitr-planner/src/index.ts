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
  BackupScope,
  BackupFloatFixups,
} from './catalog/backup-record.js';
export {
  startBackupRecord,
  completeBackupRecord,
  failBackupRecord,
  deleteBackup,
  readBackupRecord,
  listBackups,
  compareBackupRecords,
} from './catalog/catalog.js';
export type {
  CatalogRepo,
  CatalogLock,
  StartBackupOptions,
  CompleteBackupOptions,
  FailBackupOptions,
  ListBackupsOptions,
} from './catalog/catalog.js';

// backups: take, list, verify, expire
export { takeBackup } from './backup/take-backup.js';
export type { TakeBackupOptions, TakeBackupResult, BackupProgress } from './backup/take-backup.js';
export { listRepo, ARCHIVE_NOT_IMPLEMENTED } from './backup/list-repo.js';
export type { RepoListing, BackupListEntry, BackupState, RestorableWindow, WindowEnd, ArchiveStatus } from './backup/list-repo.js';
export { verifyRepo } from './backup/verify-repo.js';
export type { RepoVerification, BackupVerification, BackupChecks, VerifyRepoOptions } from './backup/verify-repo.js';
export { expireBackups, selectExpired } from './backup/expire-backups.js';
export type { ExpirePolicy, ExpireOptions, ExpireResult } from './backup/expire-backups.js';

// plan: what a restore would do, computed and validated before anything is written
export { buildPlan, PLAN_VERSION, isoUs, archiveTimelineDir, chooseRepoBackup } from './plan/plan.js';
export { renderPlan } from './plan/render-plan.js';
export type { Plan, PlanSource, PlanTransaction, PlanTableCounts, PlanDdl, BuildPlanOptions } from './plan/plan.js';
export { listBinlogDir, replayFiles } from './plan/binlog-files.js';
export type { BinlogFile } from './plan/binlog-files.js';

// restore: run a plan onto a target server
export { runRestore } from './restore/run-restore.js';
export type { RunRestoreOptions, RestoreResult, RestoreProgress } from './restore/run-restore.js';
export { startRestoreRecord, RESTORE_RECORD_VERSION } from './restore/restore-record.js';
export type { RestoreRecord } from './restore/restore-record.js';
