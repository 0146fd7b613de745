// The database type Kysely checks every query against: one interface per table group, in tables/.
import type { CoreTables } from './tables/core.js';
import type { JobsTables } from './tables/jobs.js';
import type { AccountTables } from './tables/accounts.js';
import type { ValuationTables } from './tables/valuations.js';
import type { UkTables } from './tables/uk.js';
import type { IdempotencyTables } from './tables/idempotency.js';

export interface Database extends CoreTables, JobsTables, AccountTables, ValuationTables, UkTables, IdempotencyTables {}
