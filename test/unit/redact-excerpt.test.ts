import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/internal.js';
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

describe('redactUrl redacts secrets only', () => {
  it('keeps TES list filters and page tokens, which are not secrets, and hides tokens and keys', () => {
    expect(redactUrl('https://tes.example.org/v1/tasks?view=BASIC&tag_key=pulsar_network_idempotency_key&tag_value=job-1&page_token=p2&access_token=s3cret&api_key=k3y')).toBe(
      'https://tes.example.org/v1/tasks?view=BASIC&tag_key=pulsar_network_idempotency_key&tag_value=job-1&page_token=p2&access_token=[REDACTED]&api_key=[REDACTED]',
    );
  });
});

describe('SecretSet', () => {
  it('finds a secret in its HTML-escaped form too (a report or a display escapes it before it is scrubbed)', () => {
    const secrets = new SecretSet();
    secrets.add(`p&ss<w>"o'rd`);
    expect(secrets.scrub('<td>p&amp;ss&lt;w&gt;&quot;o&#39;rd</td>')).toBe('<td>[REDACTED]</td>');
    expect(secrets.scrub(`url=p%26ss%3Cw%3E%22o'rd json="p&ss<w>\\"o'rd"`)).toBe('url=[REDACTED] json="[REDACTED]"');
  });
});
