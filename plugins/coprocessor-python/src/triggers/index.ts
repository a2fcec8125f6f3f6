export { CronSchedule } from './cron-schedule.js';
export { installTriggers, type InstallTriggersOptions, type InstalledTriggers } from './install-triggers.js';
export { triggerAdminFunctions } from './trigger-admin-functions.js';
export * from './trigger-errors.js';
export { TriggerManager, type TriggerLogEntry, type TriggerManagerOptions } from './trigger-manager.js';
export { TRIGGER_CHAIN_VARIABLE, triggerScriptRunner, type TriggerScriptRunner } from './trigger-script-runner.js';
export { formatTriggerSpec, MIN_EVERY_MS, parseTriggerArguments, parseTriggerSpec, type TriggerKind, type TriggerSpec } from './trigger-spec.js';
export { TriggerStore, type StoredTrigger } from './trigger-store.js';
export { triggerLogsTable, triggersTable, TRIGGER_LOGS_TABLE_NAME, TRIGGERS_TABLE_DATABASE, TRIGGERS_TABLE_NAME } from './triggers-table.js';
