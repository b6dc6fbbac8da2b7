import { sql as initial } from './001_initial';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** In order; a migration, once released, is never edited: add the next number instead. */
export const migrations: readonly Migration[] = [{ version: 1, name: 'initial', sql: initial }];
