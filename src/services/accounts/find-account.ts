import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountByEmail, findAccountById, type AccountRow } from '../../store/repositories/accounts.js';
import { NotFoundError } from './errors.js';

/** An account named the way operators name one: its numeric id or its email. */
export async function findAccount(db: Kysely<Database>, idOrEmail: string): Promise<AccountRow> {
  const text = idOrEmail.trim();
  const account = /^\d+$/.test(text) ? await findAccountById(db, Number(text)) : await findAccountByEmail(db, text.toLowerCase());
  if (!account) throw new NotFoundError(`no account '${idOrEmail}'`);
  return account;
}
