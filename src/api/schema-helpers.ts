import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * A value of the schema, or null. Written as OpenAPI 3.0's `nullable` (which Ajv and fast-json-stringify
 * both understand) rather than a union with `type: null`, which 3.0 cannot express.
 */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

/** `?limit=` and `?before=` of a list read newest first, page by page (`before`: the previous page's `next_before`). */
export function PageQuery<Before extends TSchema>(maxLimit: number, defaultLimit: number, before: Before) {
  return Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit })),
    before: Type.Optional(before),
  });
}

