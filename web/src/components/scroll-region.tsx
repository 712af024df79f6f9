import type { ReactNode } from 'react';

/**
 * A table that may scroll sideways (at 390 px, or a long path). A scrolling box must be reachable from
 * the keyboard to be scrolled without a mouse (WCAG 2.1.1; axe's scrollable-region-focusable), so it is
 * a labelled region in the tab order.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
