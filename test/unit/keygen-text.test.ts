import { describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { keygenText } from '../../src/main/cli/commands/keygen.js';

describe('keygen text', () => {
  const text = keygenText(EncryptionManager.generateKey());

  it('never suggests putting the key in a .env file (the data folder ignores it there, next to the tokens)', () => {
    expect(text).not.toMatch(/in the environment or in \.env/);
    expect(text).toMatch(/Not in the data\s+folder's \.env: it is ignored there/);
  });

  it('prints a key that the vault accepts', () => {
    const key = text.split('\n')[2]!.trim();
    expect(() => new EncryptionManager(key)).not.toThrow();
  });
});
