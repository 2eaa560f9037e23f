/**
 * A small coloured mark for a provider: letters only (no remote images under the CSP), on the
 * colour its provider file gives (through the provider DTO); a neutral one for custom providers.
 * The colour is a CSS custom property set through the DOM, which the CSP allows (no inline style).
 */
export function ProviderMark({ look, name }: { look?: { mark: string; color: string } | undefined; name: string }): React.JSX.Element {
  const letters = look?.mark ?? name.slice(0, 1).toUpperCase();
  return (
    <span
      className="provider-mark"
      style={look ? ({ '--mark-color': look.color } as React.CSSProperties) : undefined}
      data-mark={letters}
      aria-hidden="true"
    >
      {letters}
    </span>
  );
}
