import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * A value of the schema, or null. Written as OpenAPI 3.0's `nullable` (which Ajv and fast-json-stringify
 * both understand) rather than a union with `type: null`, which 3.0 cannot express.
 */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}
