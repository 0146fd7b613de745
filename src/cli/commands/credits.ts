// `valora credits add|balance`: purchases go into the ledger; the balance is always summed from it.
import { findAccount } from '../../services/accounts/find-account.js';
import { addCredits } from '../../services/ledger/add-credits.js';
import { getBalance } from '../../services/ledger/get-balance.js';
import { CliError } from '../cli-error.js';
import { subcommandArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage:
  valora credits add --account <id or email> --credits N [--reference R] [--json]
  valora credits balance --account <id or email> [--json]

A purchase with a --reference already used is not applied twice. An account in an organisation adds to
(and reads) the organisation's shared pool.`;

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommandArgs(argv, {
    command: 'credits',
    usage: USAGE,
    subcommands: ['add', 'balance'],
    options: {
      account: { type: 'string' },
      credits: { type: 'string' },
      reference: { type: 'string' },
    },
  });
  if (!parsed) return 0;
  const { sub, values } = parsed;
  if (!values.account) throw new CliError(`credits ${sub} needs --account <id or email>`);
  const accountRef = values.account;
  const credits = sub === 'add' ? wholeNumber(values.credits, 'credits', 1) : undefined;
  if (sub === 'add' && credits === undefined) throw new CliError('credits add needs --credits N');
  return withCliStore(values, async (store) => {
    const account = await findAccount(store.db, accountRef);
    if (sub === 'balance') {
      const balance = await getBalance(store.db, account.id);
      console.log(values.json ? JSON.stringify({ account_id: account.id, balance }) : `account ${account.id}: ${balance} credits`);
      return 0;
    }
    const result = await addCredits(store, { accountId: account.id, credits: credits!, ...(values.reference ? { reference: values.reference } : {}), note: 'added by operator' });
    if (values.json) console.log(JSON.stringify({ account_id: account.id, added: result.applied ? credits : 0, balance: result.balance }));
    else console.log(result.applied ? `added ${credits} credits to account ${account.id}: balance ${result.balance}` : `reference already applied; balance ${result.balance}`);
    return 0;
  });
}
