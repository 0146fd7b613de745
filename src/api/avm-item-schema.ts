// The fields of one PadStats AVM item. The single-property endpoint takes one item and each batch a list of
// them, so a property that values alone values the same way inside a batch: one definition keeps their
// limits from drifting apart.
import { Type } from '@sinclair/typebox';
import { Nullable } from './schema-helpers.js';

export const avmItemFields = {
  property_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Number()], { description: 'Your reference, echoed back' })),
  location: Type.Object(
    {
      address: Type.Optional(Type.String({ maxLength: 500 })),
      latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
      longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    },
    { description: 'An address, or latitude and longitude' },
  ),
  search_params: Type.Optional(
    Type.Object({
      radius_mi: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
      num_comparables: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
      lookback_months: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
      date: Type.Optional(Type.String({ description: 'Value as of this date (YYYY-MM-DD); default today' })),
    }),
  ),
  market: Type.Optional(Type.String({ maxLength: 100, description: "Valora: a market id; default the property's market or the one around the coordinates" })),
};

/** property_fields: PadStats' names, plus any of the market's own features by name. */
export const AvmPropertyFields = Type.Object(
  {
    total_bedrooms: Type.Optional(Nullable(Type.Number())),
    total_bathrooms: Type.Optional(Nullable(Type.Number())),
    living_area: Type.Optional(Nullable(Type.Number({ description: "In the market's unit (sqft in US markets, sqm in the UK)" }))),
    year_built: Type.Optional(Nullable(Type.Integer())),
    property_type: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true, description: "PadStats fields, plus any of the market's own features by name" },
);
