// `valora accounts create|show|set`: operator management of API accounts.
import { createAccount } from '../../services/accounts/create-account.js';
import { findAccount } from '../../services/accounts/find-account.js';
import { getAccountSummary } from '../../services/accounts/get-account-summary.js';
import { changeAccount } from '../../services/accounts/update-account.js';
import { CliError } from '../cli-error.js';
import { STORE_USAGE, subcommandArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage:
  valora accounts create --email E [--credits N] [--rate-limit N] [--org ID] [--plan P] [--json]
  valora accounts show --account <id or email> [--json]
  valora accounts set --account <id or email> [--rate-limit N] [--api-enabled true|false] [--org ID|none] [--plan P]

'create' makes the account and its first API key, printed once.

options:
${STORE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommandArgs(argv, {
    command: 'accounts',
    usage: USAGE,
    subcommands: ['create', 'show', 'set'],
    options: {
      email: { type: 'string' },
      account: { type: 'string' },
      credits: { type: 'string' },
      'rate-limit': { type: 'string' },
      'api-enabled': { type: 'string' },
      org: { type: 'string' },
      plan: { type: 'string' },
    },
  });
  if (!parsed) return 0;
  const { sub, values } = parsed;

  if (sub === 'create') {
    if (!values.email) throw new CliError(`accounts create needs --email\n\n${USAGE}`);
    const credits = wholeNumber(values.credits, 'credits', 0);
    const rateLimit = wholeNumber(values['rate-limit'], 'rate-limit', 1);
    const org = wholeNumber(values.org, 'org', 1);
    const email = values.email;
    return withCliStore(values, async (store) => {
      const { account, apiKey } = await createAccount(store, {
        email,
        ...(credits !== undefined ? { credits } : {}),
        ...(rateLimit !== undefined ? { rateLimit } : {}),
        ...(org !== undefined ? { organisationId: org } : {}),
        ...(values.plan ? { planType: values.plan } : {}),
        withKey: true,
      });
      if (values.json) console.log(JSON.stringify({ account_id: account.id, api_key: apiKey }));
      else {
        console.log(`account ${account.id} created for ${account.email} (${credits ?? 0} credits, ${account.rate_limit} requests/min)`);
        console.log(`API key (shown once, store it now): ${apiKey}`);
      }
      return 0;
    });
  }

  if (!values.account) throw new CliError(`accounts ${sub} needs --account <id or email>`);
  const accountRef = values.account;
  return withCliStore(values, async (store) => {
    const account = await findAccount(store.db, accountRef);
    if (sub === 'set') {
      const rateLimit = wholeNumber(values['rate-limit'], 'rate-limit', 1);
      let apiEnabled: boolean | undefined;
      if (values['api-enabled'] !== undefined) {
        if (!['true', 'false'].includes(values['api-enabled'])) throw new CliError(`--api-enabled must be true or false`);
        apiEnabled = values['api-enabled'] === 'true';
      }
      const organisationId = values.org === undefined ? undefined : values.org === 'none' ? null : wholeNumber(values.org, 'org', 1);
      await changeAccount(store, account.id, {
        ...(rateLimit !== undefined ? { rateLimit } : {}),
        ...(apiEnabled !== undefined ? { apiEnabled } : {}),
        ...(organisationId !== undefined ? { organisationId } : {}),
        ...(values.plan ? { planType: values.plan } : {}),
      });
    }
    const summary = await getAccountSummary(store.db, account.id);
    if (values.json || sub === 'show') console.log(JSON.stringify(summary, null, values.json ? 0 : 2));
    else console.log(`account ${summary.user_id} updated`);
    return 0;
  });
}
