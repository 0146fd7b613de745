// A property type as written by a data file or a caller ("houses", "condo", "Single Family") resolved to
// one of the market's own types.
import type { MarketConfig } from '../../engine/types.js';

/**
 * The market's type for `raw`: an exact type, a type differing only in case, or a configured alias
 * (aliases are lower-case). Null when none matches.
 */
export function resolvePropertyType(raw: string, config: Pick<MarketConfig, 'propertyTypes' | 'propertyTypeAliases'>): string | null {
  const text = raw.trim();
  if (!text) return null;
  if (config.propertyTypes.includes(text)) return text;
  const lower = text.toLowerCase();
  const byCase = config.propertyTypes.find((t) => t.toLowerCase() === lower);
  if (byCase) return byCase;
  const alias = config.propertyTypeAliases[lower];
  return alias !== undefined && config.propertyTypes.includes(alias) ? alias : null;
}
