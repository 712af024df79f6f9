import { useState } from 'react';

/** Copies text to the clipboard and says so (screen readers too). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setDone('copied'),
          () => setDone('failed'),
        )
      }
    >
      {label}
      <span aria-live="polite">
        {done === 'copied' ? ' ✓ copied' : done === 'failed' ? ' (select and copy)' : ''}
      </span>
    </button>
  );
}
