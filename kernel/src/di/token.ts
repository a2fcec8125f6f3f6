import type { DependencyContainer } from 'tsyringe';

declare const tokenType: unique symbol;

/**
 * A typed injection token. The kernel exports one per service so that
 * `get(container, WAL)` is a `Wal` without a cast.
 *
 * `multi` tokens may have several providers (protocols, function packs);
 * singleton tokens have exactly one, and the loader refuses a config where
 * two plugins provide the same singleton.
 *
 * @example
 * export const WAL = token<Wal>('strata.wal');
 * const wal = get(container, WAL);
 */
export interface Token<T> {
  readonly id: symbol;
  readonly name: string;
  readonly multi: boolean;
  /** Phantom field that carries the service type; never set at run time. */
  readonly [tokenType]?: T;
}

/** Declares a singleton token. */
export function token<T>(name: string): Token<T> {
  return Object.freeze({ id: Symbol.for(name), name, multi: false }) as Token<T>;
}

/** Declares a token that many plugins may provide (every provider is kept). */
export function multiToken<T>(name: string): Token<T> {
  return Object.freeze({ id: Symbol.for(name), name, multi: true }) as Token<T>;
}

/** The type a token carries. */
export type TokenType<K> = K extends Token<infer T> ? T : never;

/** Resolves a singleton token from a container, typed. */
export function get<T>(container: DependencyContainer, t: Token<T>): T {
  return container.resolve<T>(t.id);
}

/** Resolves every provider of a token (empty when none). */
export function getAll<T>(container: DependencyContainer, t: Token<T>): T[] {
  return container.isRegistered(t.id, true) ? container.resolveAll<T>(t.id) : [];
}

/** Registers a value for a token in a container. */
export function bind<T>(container: DependencyContainer, t: Token<T>, value: T): void {
  container.register<T>(t.id, { useValue: value });
}
