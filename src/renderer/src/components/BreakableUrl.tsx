import { Fragment } from 'react';

/**
 * Where a URL may wrap: after a "/" (not inside "//") and after the "." between two parts of a
 * host name, never inside a word ("login.|microsoftonline.|com/|common/|v2.0").
 */
const BREAKS = /(?<=\/)(?!\/)|(?<=[A-Za-z-]\.)(?=[A-Za-z])/;

/** A URL that wraps between its parts only (each break point is a <wbr>). */
export function BreakableUrl({ url }: { url: string }): React.JSX.Element {
  const parts = url.split(BREAKS);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
