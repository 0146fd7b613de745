// Per-instance copies of hot closures' code, so that V8 can specialize each to the arrays it captures.
//
// TurboFan treats the variables a closure captures as constants (no reloading or rechecking a typed array
// on every access) only while that closure is the only one ever made from its code. A server holds a
// forest and an explainer per model, so a factory shared by all of them would lose this after the
// second model: measured here, TreeSHAP took twice as long and predictRow ~30% longer.

let copies = 0;

/**
 * A copy of `factory` compiled from its own source text, or `factory` itself where code generation from
 * strings is disabled (correct, only slower). The factory may use nothing from its module: only its
 * arguments and globals.
 */
export function specializedCopy<F extends (...args: never[]) => unknown>(factory: F): F {
  try {
    return new Function(`return ${factory.toString()}\n// copy ${++copies}`)() as F;
  } catch {
    return factory;
  }
}
