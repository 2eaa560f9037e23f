/** A routine e2e run must not rewrite the tracked docs/screenshots. */
import { describe, expect, it } from 'vitest';
import { screenshotDir } from '../e2e/screenshot-dir.js';

describe('screenshotDir', () => {
  it('writes to the ignored artifacts folder unless UPDATE_SCREENSHOTS=1', () => {
    expect(screenshotDir('/repo', {})).toBe('/repo/test/e2e/artifacts/screenshots');
    expect(screenshotDir('/repo', { UPDATE_SCREENSHOTS: '0' })).toBe('/repo/test/e2e/artifacts/screenshots');
    expect(screenshotDir('/repo', { UPDATE_SCREENSHOTS: '1' })).toBe('/repo/docs/screenshots');
  });
});
