// One trained tree as plain data: what a model file stores and what the flat forest is built from.

export interface TreeRecord {
  /** Internal nodes, in the order they were split (node 0 is the root when there is one). */
  splitFeature: number[];
  /** Numeric split: a row goes left when its value <= threshold (may be +Infinity: every present value). */
  threshold: number[];
  /** 1 when a missing value (or, for a categorical, a level the training data never had) goes left. */
  defaultLeft: number[];
  /** Categorical split: the level indices that go left, ascending; null for a numeric split. */
  leftCategories: (number[] | null)[];
  /** Children: >= 0 an internal node, < 0 the leaf ~child. */
  left: number[];
  right: number[];
  /** Loss reduction of each split (feature importance). */
  gain: number[];
  /** Leaf outputs, shrinkage included. */
  leafValue: number[];
  /** Sum of hessians (row weights) of the training rows in each leaf: the covers TreeSHAP weighs by. */
  leafCover: number[];
}

