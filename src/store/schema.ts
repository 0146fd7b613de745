// The database type Kysely checks every query against: one interface per table group, in tables/.
import type { CoreTables } from './tables/core.js';

export interface Database extends CoreTables {}
