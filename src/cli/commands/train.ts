// `valora train --market <id> [--until YYYY-MM-DD] [--seed N] [--members N] [--out model.json] [--json]`
import { writeFileSync } from 'node:fs';
import { parseDay } from '../../engine/calendar.js';
import { trainMarket } from '../../services/training/train-market.js';
import { CliError } from '../cli-error.js';
import { STORE_OPTIONS, STORE_USAGE, cliArgs, wholeNumber, withCliStore } from '../cli-options.js';

const USAGE = `usage: valora train --market <id> [--until YYYY-MM-DD] [--seed N] [--members N] [--out FILE] [--json]

Trains the market's model on its sales up to --until (default: its last sale), saves it in the database
(valuations dated after --until use it) and, with --out, writes the model file. The same data and seed
give a byte-identical file.

options:
  --market ID             the market to train (valora markets list)
  --until DATE            use only sales on or before this date
  --seed N                random seed (default 1)
  --members N             average N value models of different seeds (default 1): a little more
                          accurate, N times the trees, so slower valuations
  --out FILE              also write the model to FILE
  --json                  print a JSON summary
${STORE_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  const { values } = cliArgs({ args: argv, options: { market: { type: 'string' }, until: { type: 'string' }, seed: { type: 'string' }, members: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.market) throw new CliError(`--market is required\n\n${USAGE}`);
  if (values.until !== undefined) {
    try {
      parseDay(values.until);
    } catch {
      throw new CliError(`--until must be a YYYY-MM-DD date, not '${values.until}'`);
    }
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new CliError(`--seed must be a non-negative integer, not '${values.seed}'`);
  const ensembleMembers = wholeNumber(values.members, 'members', 1);
  return withCliStore(values, async (store) => {
    const trained = await trainMarket(store, { marketId: values.market!, until: values.until, seed, ensembleMembers, log: (m) => console.error(m) });
    if (values.out) writeFileSync(values.out, trained.content);
    const a = trained.artifact;
    const summary = {
      market: a.marketId,
      model_version: a.modelVersion,
      trained_until: a.trainedUntil,
      data_fingerprint: a.dataFingerprint,
      training_sales: a.trainingSales,
      excluded_outliers: a.excludedOutliers,
      rounds: a.settings.rounds,
      seconds: Number(trained.seconds.toFixed(2)),
      calibration: a.calibration,
      ...(values.out ? { file: values.out } : {}),
    };
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else {
      console.log(`trained ${a.marketId} model ${a.modelVersion} on ${a.trainingSales} sales up to ${a.trainedUntil} in ${summary.seconds} s`);
      console.log(`calibration on ${a.calibration.sales} later sales (${a.calibration.from} to ${a.calibration.to}): MdAPE ${(a.calibration.mdape * 100).toFixed(1)}%, within ±1 FSD ${(a.calibration.fsdWithin1 * 100).toFixed(1)}%, 90% range coverage ${(a.calibration.range90Coverage * 100).toFixed(1)}%`);
      if (values.out) console.log(`model written to ${values.out}`);
    }
    return 0;
  }, { bundledMarkets: true });
}
