// `valora <command> …`: each command lives in its own module under commands/ and is loaded on demand,
// so `valora value` does not pay for Fastify and `valora serve` does not pay for the importers.
import { CliError } from './cli-error.js';

type CommandModule = { run(argv: string[]): Promise<number | void> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  uk: { summary: 'UK open data: import Price Paid, EPC, postcodes, UPRNs; generate the demo market', load: () => import('./commands/uk.js') },
  import: { summary: 'import a sales CSV into a market (generic column mapping)', load: () => import('./commands/import.js') },
  markets: { summary: 'list the markets and their sales', load: () => import('./commands/markets.js') },
  serve: { summary: 'run the HTTP API (migrates, imports bundled markets, loads models, prints the URL)', load: () => import('./commands/serve.js') },
  accounts: { summary: 'create, show and change API accounts (create prints the first key once)', load: () => import('./commands/accounts.js') },
  keys: { summary: "create, list and revoke an account's API keys", load: () => import('./commands/keys.js') },
  credits: { summary: 'add purchased valuation credits to an account, or show its balance', load: () => import('./commands/credits.js') },
  orgs: { summary: 'create organisations (one shared balance for their member accounts)', load: () => import('./commands/orgs.js') },
  train: { summary: 'train a market model on its sales up to a date (saved; optional model file)', load: () => import('./commands/train.js') },
  value: { summary: 'value one property (JSON in, JSON out)', load: () => import('./commands/value.js') },
  backtest: { summary: 'value a CSV of known sales as of their dates and score the model', load: () => import('./commands/backtest.js') },
  worker: { summary: 'work the batch job queue and send webhooks, without serving HTTP', load: () => import('./commands/worker.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length), 8);
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: valora <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'valora <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`valora: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return (await mod.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      console.error(`valora: ${error.message}`);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && error.name === 'DatabaseLockedError') {
      // By name: importing the store here would load its drivers for every command.
      console.error(`valora: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
