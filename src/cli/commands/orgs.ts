// `valora orgs create|show`: organisations pool one balance for their member accounts
// (add a member with `valora accounts create --org ID` or `valora accounts set --account A --org ID`).
import { createOrganisation } from '../../services/accounts/create-organisation.js';
import { findOrganisationById, listOrganisationMembers } from '../../store/repositories/accounts.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOf } from '../../services/accounts/holder.js';
import { CliError } from '../cli-error.js';
import { cliArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage:
  valora orgs create --name NAME [--json]
  valora orgs show --org ID [--json]`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      org: { type: 'string' },
      json: { type: 'boolean' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (rest.length > 0 || !['create', 'show'].includes(sub ?? '')) throw new CliError(`unknown orgs subcommand '${positionals.join(' ')}'\n\n${USAGE}`);
  if (sub === 'create') {
    if (!values.name) throw new CliError('orgs create needs --name NAME');
    const name = values.name;
    return withCliStore(values, async (store) => {
      const org = await createOrganisation(store, name);
      console.log(values.json ? JSON.stringify({ organisation_id: org.id, name: org.name }) : `organisation ${org.id} created: ${org.name}`);
      return 0;
    });
  }
  const orgId = wholeNumber(values.org, 'org', 1);
  if (orgId === undefined) throw new CliError('orgs show needs --org ID');
  return withCliStore(values, async (store) => {
    const org = await findOrganisationById(store.db, orgId);
    if (!org) throw new CliError(`no organisation ${orgId}`);
    const members = await listOrganisationMembers(store.db, orgId);
    const balance = await sumHolderBalance(store.db, holderOf({ id: 0, organisation_id: orgId }));
    const out = { organisation_id: org.id, name: org.name, balance, members: members.map((m) => ({ account_id: m.id, email: m.email })) };
    console.log(JSON.stringify(out, null, values.json ? 0 : 2));
    return 0;
  });
}
