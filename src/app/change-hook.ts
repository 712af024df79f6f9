import type { Store } from '../store/types.js';

/**
 * The store, with `onChange` called after every successful `apply` — agents, grants and tokens only
 * change through `apply`, so this is where this process learns that its credential cache is stale.
 */
export function withChangeHook(store: Store, onChange: () => void): Store {
  const apply: Store['apply'] = async (ops, audit, seal) => {
    try {
      return await store.apply(ops, audit, seal);
    } finally {
      // Also after a failure: a failed transaction changed nothing, and a spurious reload is harmless.
      if (ops.length > 0) onChange();
    }
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'apply') return apply;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
