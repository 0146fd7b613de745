// Categorical levels are data (the distinct values imported), not configuration: when a market's config is
// replaced (a tuned market.json) the levels already learnt from its sales are carried over.
import type { MarketConfig } from '../../engine/types.js';

/** Union of two level lists in code-unit order (not locale order: the same model inputs on every machine). */
export function sortedUnion(a: readonly string[], b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** `config` with each categorical feature's levels merged with those of the same feature in `from`. */
export function withLevelsFrom(config: MarketConfig, from: MarketConfig): MarketConfig {
  const known = new Map(from.features.map((f) => [f.name, f]));
  return {
    ...config,
    features: config.features.map((f) => {
      const previous = known.get(f.name);
      if (f.kind !== 'categorical' || previous?.kind !== 'categorical') return f;
      return { ...f, levels: sortedUnion(f.levels ?? [], previous.levels ?? []) };
    }),
  };
}
