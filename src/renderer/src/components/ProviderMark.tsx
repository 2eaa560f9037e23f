/** A small coloured mark for a provider (letters only: no remote images under the CSP). */
export function ProviderMark({ provider }: { provider: string }): React.JSX.Element {
  const kind = provider === 'google' ? 'google' : provider === 'microsoft' ? 'microsoft' : 'custom';
  const letter = provider === 'google' ? 'G' : provider === 'microsoft' ? 'M' : provider.slice(0, 1).toUpperCase();
  return (
    <span className={`provider-mark provider-${kind}`} aria-hidden="true">
      {letter}
    </span>
  );
}
