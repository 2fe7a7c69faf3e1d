import { describe, expect, it } from 'vitest';
import { excerptOf, SecretSet } from '../../src/redact.js';

describe('excerptOf', () => {
  it('scrubs before cutting: a secret across the cut leaves no part of itself', () => {
    const secrets = new SecretSet();
    secrets.add('SUPERSECRETTOKEN');
    const text = `${'x'.repeat(150)}SUPERSECRETTOKEN and more`;
    const shown = excerptOf(text, secrets, 160);
    expect(shown).not.toMatch(/SUPERSEC|SECRET|TOKEN/);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.length).toBe(161);
  });

  it('renders values as one line of JSON and redacts credentials in URLs without a secret set', () => {
    const shown = excerptOf({ url: 'https://reader:pw123456@data.example.org/x?token=abcdef' });
    expect(shown).toBe('{"url":"https://REDACTED:REDACTED@data.example.org/x?token=[REDACTED]"}');
    expect(shown).not.toContain('pw123456');
    expect(shown).not.toContain('abcdef');
    expect(excerptOf('  two\n   lines\t')).toBe('two lines');
  });
});
