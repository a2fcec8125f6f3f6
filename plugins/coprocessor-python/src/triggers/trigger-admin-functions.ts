import { InvalidArgumentsError, type AdminFunction, type TriggerErrorBehavior, type TriggerService } from '@strata/kernel';
import { parseTriggerArguments } from './trigger-spec.js';

function text(v: unknown, what: string, fn: string): string {
  if (typeof v !== 'string' || v === '') throw new InvalidArgumentsError(`ADMIN ${fn}: ${what} must be a non-empty string`);
  return v;
}

/**
 * The SQL face of triggers, as ADMIN functions in the session's database:
 *
 * ```sql
 * ADMIN create_trigger('name', 'script', 'table:cpu' [, 'k=v,k2=v2' [, 'log' | 'disable']]);
 * ADMIN create_or_replace_trigger(...same arguments...);
 * ADMIN drop_trigger('name');                  -- 1, or 0 when there was none
 * ADMIN enable_trigger('name'); ADMIN disable_trigger('name');
 * ```
 */
export function triggerAdminFunctions(triggers: TriggerService): AdminFunction[] {
  const create = (name: string, replace: boolean): AdminFunction => ({
    name,
    description: `${replace ? 'Creates or replaces' : 'Creates'} a script trigger: (name, script, spec [, 'k=v,...' [, error behavior]])`,
    async call(args, session) {
      if (args.length < 3 || args.length > 5) throw new InvalidArgumentsError(`ADMIN ${name}(name, script, spec [, arguments [, error_behavior]]) takes 3 to 5 arguments, got ${args.length}`);
      const errorBehavior = args[4] === undefined || args[4] === null ? undefined : text(args[4], 'the error behavior', name);
      await triggers.create({
        database: session.database,
        name: text(args[0], 'the trigger name', name),
        script: text(args[1], 'the script name', name),
        spec: text(args[2], 'the trigger spec', name),
        args: parseTriggerArguments(args[3] === undefined || args[3] === null ? undefined : String(args[3])),
        ...(errorBehavior ? { errorBehavior: errorBehavior as TriggerErrorBehavior } : {}),
        replace,
      });
      return 0;
    },
  });
  const byName = (name: string, f: (db: string, trigger: string) => Promise<boolean>, what: string): AdminFunction => ({
    name,
    description: `${what} a script trigger by name; 1 when it existed, else 0`,
    async call(args, session) {
      if (args.length !== 1) throw new InvalidArgumentsError(`ADMIN ${name}(name) takes 1 argument, got ${args.length}`);
      return (await f(session.database, text(args[0], 'the trigger name', name))) ? 1 : 0;
    },
  });
  return [
    create('create_trigger', false),
    create('create_or_replace_trigger', true),
    byName('drop_trigger', (db, t) => triggers.drop(db, t), 'Drops'),
    byName('enable_trigger', (db, t) => triggers.setEnabled(db, t, true), 'Enables'),
    byName('disable_trigger', (db, t) => triggers.setEnabled(db, t, false), 'Disables'),
  ];
}
