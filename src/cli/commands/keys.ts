// `valora keys create|list|revoke`: API keys for an account (the HTTP /v1/keys routes do the same for users).
import { findAccount } from '../../services/accounts/find-account.js';
import { createApiKey, KeyLimitError } from '../../services/keys/create-api-key.js';
import { listApiKeys } from '../../services/keys/list-api-keys.js';
import { revokeApiKey } from '../../services/keys/revoke-api-key.js';
import { CliError } from '../cli-error.js';
import { subcommandArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage:
  valora keys create --account <id or email> [--name NAME] [--json]
  valora keys list --account <id or email> [--json]
  valora keys revoke --account <id or email> --id KEY_ID`;

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommandArgs(argv, {
    command: 'keys',
    usage: USAGE,
    subcommands: ['create', 'list', 'revoke'],
    options: {
      account: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
    },
  });
  if (!parsed) return 0;
  const { sub, values } = parsed;
  if (!values.account) throw new CliError(`keys ${sub} needs --account <id or email>`);
  const accountRef = values.account;
  const keyId = sub === 'revoke' ? wholeNumber(values.id, 'id', 1) : undefined;
  if (sub === 'revoke' && keyId === undefined) throw new CliError('keys revoke needs --id KEY_ID');
  return withCliStore(values, async (store) => {
    const account = await findAccount(store.db, accountRef);
    if (sub === 'create') {
      try {
        const { row, key } = await createApiKey(store, account.id, values.name ?? null);
        if (values.json) console.log(JSON.stringify({ id: row.id, key, key_prefix: row.key_prefix, name: row.name }));
        else console.log(`key ${row.id} created for account ${account.id}; shown once, store it now:\n${key}`);
      } catch (error) {
        if (error instanceof KeyLimitError) throw new CliError(error.message);
        throw error;
      }
    } else if (sub === 'list') {
      const keys = await listApiKeys(store.db, account.id);
      if (values.json) console.log(JSON.stringify({ keys }));
      else for (const k of keys) console.log(`${k.id}\t${k.key_prefix}…\t${k.name ?? ''}\t${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}\tlast used ${k.last_used_at ?? 'never'}`);
    } else {
      if (!(await revokeApiKey(store.db, account.id, keyId!))) throw new CliError(`account ${account.id} has no key ${keyId}`);
      console.log(`key ${keyId} revoked`);
    }
    return 0;
  });
}
